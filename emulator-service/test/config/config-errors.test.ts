import { EdgevmError } from "@edgevm/contract";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { configError, issuesFromZod, parseConfig } from "../../src/config/issues.js";
import { resolveEmulatorConfig } from "../../src/config/resolve.js";

const HOME_ENV = { HOME: "/home/tester" };
const FACTS = { shmDir: undefined, cores: 2 };
const FILE = "config/edgevm.json";

function caught(fn: () => unknown): EdgevmError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(EdgevmError);
    expect((err as EdgevmError).code).toBe("INVALID_CONFIG");
    return err as EdgevmError;
  }
  throw new Error("expected an INVALID_CONFIG error");
}

const fromFile = (emulator: unknown) =>
  caught(() => resolveEmulatorConfig({ emulator }, HOME_ENV, {}, FACTS, FILE));

describe("config errors from the file", () => {
  it("name the file and the field, in plain words", () => {
    const err = fromFile({ limits: { slots: 2000 } });
    expect(err.message).toBe("config/edgevm.json: emulator.limits.slots: must be at most 1024");
    expect(err.details).toEqual({
      file: FILE,
      issues: [{ path: "emulator.limits.slots", message: "must be at most 1024" }],
    });
  });

  it("name each unknown field on its own path", () => {
    expect(fromFile({ regoin: "x", limits: { slotz: 1 } }).message).toBe(
      "config/edgevm.json: emulator.limits.slotz: unknown field; emulator.regoin: unknown field",
    );
  });

  it("say what was expected and what was given", () => {
    expect(fromFile({ accel: "hvf" }).message).toBe(
      'config/edgevm.json: emulator.accel: must be one of auto, kvm, tcg, got "hvf"',
    );
    expect(fromFile({ listen: { port: "8790" } }).message).toBe(
      'config/edgevm.json: emulator.listen.port: must be a number, got "8790"',
    );
    expect(fromFile({ secret: "short" }).message).toBe(
      "config/edgevm.json: emulator.secret: must be at least 16 characters long",
    );
    expect(fromFile({ region: "" }).message).toBe(
      "config/edgevm.json: emulator.region: must not be empty",
    );
    expect(fromFile({ join: {} }).message).toBe(
      "config/edgevm.json: emulator.join.url: is required",
    );
  });

  it("report the pool shape a value was close to, else both shapes", () => {
    expect(fromFile({ pools: { base: { warm: -1, spawned: 0 } } }).message).toBe(
      "config/edgevm.json: emulator.pools.base.warm: must be at least 0",
    );
    expect(fromFile({ pools: { base: { min: 300 } } }).message).toBe(
      "config/edgevm.json: emulator.pools.base.min: must be at most 256",
    );
    expect(fromFile({ pools: { base: { warm: 1, max: 4 } } }).message).toMatch(
      /^config\/edgevm\.json: emulator\.pools\.base: must be \{ min, max, prewarm, spawned \} .* or the older \{ warm, spawned \}$/,
    );
  });

  it("name the file for checks across fields", () => {
    expect(fromFile({ limits: { defaultMemoryMiB: 2048 } }).message).toBe(
      "config/edgevm.json: emulator.limits: needs minMemoryMiB ≤ defaultMemoryMiB ≤ maxMemoryMiB (got 96, 2048, 1024)",
    );
    expect(fromFile({ pools: { base: { min: 3, max: 2 } } }).message).toBe(
      "config/edgevm.json: emulator.pools.base: needs min ≤ prewarm ≤ max (got 3, 3, 2)",
    );
    expect(fromFile({ join: { url: "127.0.0.1:8801" } }).message).toBe(
      `config/edgevm.json: emulator.join.url: must be the region Worker's http(s) URL, got "127.0.0.1:8801"`,
    );
  });

  it("without a file, name only the field", () => {
    expect(
      caught(() => resolveEmulatorConfig({ emulator: { limits: { slots: 0 } } }, HOME_ENV)).message,
    ).toBe("emulator.limits.slots: must be at least 1");
  });
});

describe("config errors from flags and the environment", () => {
  it("name the flag or variable, never the file", () => {
    const resolve = (env: Record<string, string>, flags = {}) =>
      caught(() => resolveEmulatorConfig({}, { ...HOME_ENV, ...env }, flags, FACTS, FILE));
    expect(resolve({}, { accel: "xen" }).message).toBe(
      'emulator.accel (--accel): must be one of auto, kvm, tcg, got "xen"',
    );
    expect(resolve({ EDGEVM_ACCEL: "hvf" }).message).toBe(
      'emulator.accel (EDGEVM_ACCEL): must be one of auto, kvm, tcg, got "hvf"',
    );
    expect(resolve({ EDGEVM_EMULATOR_PORT: "1.5" }).message).toBe(
      'emulator.listen.port (EDGEVM_EMULATOR_PORT): must be a whole number ≥ 0, got "1.5"',
    );
    expect(resolve({ EDGEVM_POOL_WARM: "two" }).message).toBe(
      'emulator.pools (EDGEVM_POOL_WARM): must be a whole number ≥ 0, got "two"',
    );
    const err = resolve({}, { advertiseUrl: "http://127.0.0.1:8791" });
    expect(err.message).toBe(
      "emulator.join.advertiseUrl (--advertise): needs a join URL (--join, EDGEVM_JOIN_URL or emulator.join.url)",
    );
    // the value did not come from the file: no file in the details either
    expect(err.details).toEqual({
      file: undefined,
      issues: [
        {
          path: "emulator.join.advertiseUrl",
          from: "--advertise",
          message: "needs a join URL (--join, EDGEVM_JOIN_URL or emulator.join.url)",
        },
      ],
    });
  });
});

describe("issuesFromZod and configError", () => {
  it("prefix paths with the section and join issues after the file's name once", () => {
    const schema = z.object({ a: z.int().max(3), b: z.array(z.string()).min(1) }).strict();
    const parsed = schema.safeParse({ a: 4, b: [], c: 1 });
    expect(parsed.success).toBe(false);
    const issues = issuesFromZod(parsed.error?.issues ?? [], ["sect"]);
    expect(issues.map((i) => i.path)).toEqual(["sect.a", "sect.b", "sect.c"]);
    expect(configError(issues, "f.json").message).toMatch(
      /^f\.json: sect\.a: .*; sect\.b: .*; sect\.c: /,
    );
  });

  it("parseConfig uses the plain-words messages, and keeps a schema's own", () => {
    const schema = z.object({
      n: z.array(z.int()).max(1),
      name: z.string().regex(/^[a-z]+$/, "lowercase letters only"),
    });
    expect(() => parseConfig(schema, { n: [1, 2], name: "A" }, ["s"], "x.json")).toThrow(
      "x.json: s.n: must have at most 1 entry; s.name: lowercase letters only",
    );
    expect(parseConfig(schema, { n: [1], name: "a" }, [])).toEqual({ n: [1], name: "a" });
  });
});
