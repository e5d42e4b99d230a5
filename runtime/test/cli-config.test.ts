import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { configIntFlag, intFlag, isUsageError, UsageError } from "../src/cli/flags.js";
import { displayPath, parseConfigText, readConfigFile } from "../src/cli/load-config.js";

const dir = mkdtempSync(join(tmpdir(), "edgevm-cli-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the config file", () => {
  it("is named relative to the working directory when under it", () => {
    expect(displayPath("/repo/config/edgevm.json", "/repo")).toBe("config/edgevm.json");
    expect(displayPath("/etc/edgevm.json", "/repo")).toBe("/etc/edgevm.json");
    expect(displayPath("/repo", "/repo")).toBe("/repo");
  });

  it("that is not JSON is an INVALID_CONFIG naming it", () => {
    expect(() => parseConfigText("{ emulator: ", "edge.json")).toThrow(
      expect.objectContaining({
        code: "INVALID_CONFIG",
        message: expect.stringMatching(/^edge\.json: not valid JSON \(/),
      }),
    );
  });

  it("is checked against every section", () => {
    expect(() => parseConfigText('{"regions":{"host":""}}', "edge.json")).toThrow(
      "edge.json: regions.host: must not be empty",
    );
    expect(parseConfigText('{"$comment":"x","emulator":{"region":"r"}}', "e.json")).toEqual({
      $comment: "x",
      emulator: { region: "r" },
    });
  });

  it("must exist when --config names it; EDGEVM_CONFIG's and the default may be missing", () => {
    const missing = join(dir, "missing.json");
    expect(() => readConfigFile(missing, {})).toThrow(
      expect.objectContaining({
        code: "INVALID_CONFIG",
        message: `${missing}: config file not found`,
      }),
    );
    expect(readConfigFile(undefined, { EDGEVM_CONFIG: missing })).toEqual({
      name: undefined,
      json: {},
    });
  });

  it("is read from --config, else EDGEVM_CONFIG", () => {
    const file = join(dir, "edgevm.json");
    writeFileSync(file, JSON.stringify({ emulator: { limits: { slots: 0 } } }));
    expect(() => readConfigFile(undefined, { EDGEVM_CONFIG: file })).toThrow(
      `${file}: emulator.limits.slots: must be at least 1`,
    );
    const good = join(dir, "good.json");
    writeFileSync(good, JSON.stringify({ emulator: { region: "eu" } }));
    expect(readConfigFile(good, { EDGEVM_CONFIG: file }).json).toEqual({
      emulator: { region: "eu" },
    });
  });
});

describe("flags", () => {
  it("a config flag's bad number is an INVALID_CONFIG naming the flag and the field", () => {
    expect(configIntFlag(undefined, "port")).toBeUndefined();
    expect(configIntFlag("0", "port")).toBe(0);
    expect(configIntFlag("3", "warm")).toBe(3);
    for (const bad of ["", "x", "-1", "1.5"]) {
      expect(() => configIntFlag(bad, "port")).toThrow(
        expect.objectContaining({
          code: "INVALID_CONFIG",
          message: `emulator.listen.port (--port): must be a whole number ≥ 0, got "${bad}"`,
        }),
      );
    }
    expect(() => configIntFlag("many", "warm")).toThrow(/^emulator\.pools \(--warm\): /);
  });

  it("any other bad value is a usage error, as parseArgs' own errors are", () => {
    expect(intFlag("250", "--timeout")).toBe(250);
    expect(() => intFlag("soon", "--timeout")).toThrow(UsageError);
    expect(isUsageError(new UsageError("x"))).toBe(true);
    expect(
      isUsageError(Object.assign(new TypeError("x"), { code: "ERR_PARSE_ARGS_UNKNOWN_OPTION" })),
    ).toBe(true);
    expect(isUsageError(new Error("x"))).toBe(false);
    expect(isUsageError(null)).toBe(false);
  });
});
