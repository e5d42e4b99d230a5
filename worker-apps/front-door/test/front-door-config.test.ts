import {
  buildFrontDoorConfig,
  frontDoorDir,
  frontDoorRegionsBinding,
} from "@edgevm/runtime/front-door-config";
import { COMPATIBILITY_DATE } from "@edgevm/runtime/region-config";
import { resolveRegions } from "@edgevm/runtime/regions";
import { expectGolden } from "@edgevm/runtime/test/golden";
import { serializeConfig } from "@edgevm/runtime/workerd/capnp";
import { describe, expect, it } from "vitest";
import { parseRegionsBinding } from "../src/config.js";

const regions = resolveRegions(
  {
    regions: {
      frontDoor: { port: 8787 },
      list: [
        {
          name: "eu-west",
          location: { lat: 48.86, lon: 2.35 },
          port: 8801,
          emulator: { port: 8791 },
          cidrs: ["10.1.0.0/16", "2001:db8:1::/48"],
        },
        {
          name: "us-east",
          location: { lat: 38.9, lon: -77 },
          port: 8802,
          emulator: { port: 8792 },
        },
      ],
    },
  },
  { EDGEVM_STATE_DIR: "/var/lib/edgevm" },
);
const config = buildFrontDoorConfig({ regions, module: { embed: "../../build/front-door.mjs" } });

describe("buildFrontDoorConfig", () => {
  it("runs the front door Worker with REGIONS only, outbound allowed to local addresses", () => {
    const [worker, outbound] = config.services;
    if (!worker || !("worker" in worker)) throw new Error("first service is not the worker");
    expect(worker.name).toBe("front-door");
    expect(worker.worker.compatibilityDate).toBe(COMPATIBILITY_DATE);
    expect(worker.worker.modules).toEqual([
      { name: "front-door.mjs", esModule: { embed: "../../build/front-door.mjs" } },
    ]);
    expect(worker.worker.bindings?.map((b) => b.name)).toEqual(["REGIONS"]);
    expect(worker.worker.globalOutbound).toEqual({ name: "outbound" });
    expect(outbound).toEqual({
      name: "outbound",
      network: { allow: ["public", "private", "local"] },
    });
    expect(config.sockets).toEqual([
      { name: "http", address: "127.0.0.1:8787", http: {}, service: { name: "front-door" } },
    ]);
  });

  it("REGIONS carries url, location and cidrs, and is what the Worker parses", () => {
    const text = frontDoorRegionsBinding(regions);
    expect(JSON.parse(text)).toEqual([
      {
        name: "eu-west",
        url: "http://127.0.0.1:8801",
        location: { lat: 48.86, lon: 2.35 },
        cidrs: ["10.1.0.0/16", "2001:db8:1::/48"],
      },
      { name: "us-east", url: "http://127.0.0.1:8802", location: { lat: 38.9, lon: -77 } },
    ]);
    expect(parseRegionsBinding(text).map((r) => r.name)).toEqual(["eu-west", "us-east"]);
  });

  it("uses live URLs for regions started on other ports", () => {
    const text = frontDoorRegionsBinding(regions, { "us-east": "http://127.0.0.1:40001" });
    expect((JSON.parse(text) as Array<{ url: string }>).map((r) => r.url)).toEqual([
      "http://127.0.0.1:8801",
      "http://127.0.0.1:40001",
    ]);
  });

  it("keeps its config under the state dir", () => {
    expect(frontDoorDir("/var/lib/edgevm")).toBe("/var/lib/edgevm/front-door");
  });

  it("serialises to the golden capnp file", () => {
    const { expected, actual } = expectGolden("front-door.capnp", serializeConfig(config));
    expect(actual).toBe(expected);
  });
});

describe("regions config: cidrs", () => {
  it("is optional and absent by default", () => {
    const defaults = resolveRegions({}, {});
    expect(defaults.regions.every((r) => r.cidrs === undefined)).toBe(true);
  });

  it("rejects a malformed CIDR with INVALID_CONFIG", () => {
    const list = [
      {
        name: "a",
        location: { lat: 0, lon: 0 },
        port: 1,
        emulator: { port: 2 },
        cidrs: ["10.0.0.0/33"],
      },
    ];
    expect(() => resolveRegions({ regions: { list } }, {})).toThrow(
      expect.objectContaining({
        code: "INVALID_CONFIG",
        message: expect.stringContaining("cidrs"),
      }),
    );
  });
});
