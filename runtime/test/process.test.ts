import { describe, expect, it } from "vitest";
import {
  parseControlLine,
  START_TIMEOUT_MS,
  STOP_GRACE_MS,
  workerdArgs,
  workerdBinary,
} from "../src/workerd/process.js";

describe("workerdArgs", () => {
  it("serves the config with the control channel on fd 3", () => {
    expect(workerdArgs({ configPath: "/x/c.capnp", sockets: ["http"] })).toEqual([
      "serve",
      "/x/c.capnp",
      "--control-fd=3",
    ]);
  });

  it("adds --experimental and one --socket-addr per override", () => {
    expect(
      workerdArgs({
        configPath: "c.capnp",
        sockets: ["http", "admin"],
        experimental: true,
        socketAddrs: { http: "127.0.0.1:0", admin: "[::1]:9" },
      }),
    ).toEqual([
      "serve",
      "c.capnp",
      "--control-fd=3",
      "--experimental",
      "--socket-addr=http=127.0.0.1:0",
      "--socket-addr=admin=[::1]:9",
    ]);
  });
});

describe("parseControlLine", () => {
  it("reads workerd's listen message", () => {
    expect(parseControlLine('{"event":"listen","socket":"http","port":35181}')).toEqual({
      socket: "http",
      port: 35181,
    });
  });

  it.each([
    "",
    "not json",
    "null",
    "42",
    '{"event":"listen-inspector","port":9229}',
    '{"event":"listen","socket":"http"}',
    '{"event":"listen","socket":1,"port":2}',
  ])("ignores %j", (line) => {
    expect(parseControlLine(line)).toBeUndefined();
  });
});

describe("constants", () => {
  it("bounds start-up and stop", () => {
    expect(STOP_GRACE_MS).toBe(5_000);
    expect(START_TIMEOUT_MS).toBe(30_000);
  });

  it("finds the pinned workerd binary, or the override", () => {
    expect(workerdBinary({})).toMatch(/workerd$/);
    expect(workerdBinary({ EDGEVM_WORKERD_PATH: "/opt/workerd" })).toBe("/opt/workerd");
  });
});
