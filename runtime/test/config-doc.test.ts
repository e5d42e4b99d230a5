import { readFileSync } from "node:fs";
import { join } from "node:path";
import { resolveEmulatorConfig } from "@edgevm/emulator/config/resolve";
import { describe, expect, it } from "vitest";
import { CONFIG_DOC_PATH, renderConfigDoc } from "../src/config/config-doc.js";
import { configFileSchema, parseConfigFile } from "../src/config/file-schema.js";
import { schemaRows } from "../src/config/schema-rows.js";
import { resolveRegions } from "../src/regions.js";

const REPO_ROOT = join(import.meta.dirname, "..", "..");
const rows = schemaRows(configFileSchema);

describe("docs/CONFIG.md", () => {
  it("is what the schema renders", () => {
    const onDisk = readFileSync(join(REPO_ROOT, CONFIG_DOC_PATH), "utf8");
    const message = `${CONFIG_DOC_PATH} differs from the config schema: run \`npm run docs:config\``;
    expect(onDisk === renderConfigDoc(), message).toBe(true);
  });

  it("describes every field", () => {
    expect(rows.length).toBeGreaterThan(50);
    expect(rows.filter((r) => r.description.trim() === "").map((r) => r.path)).toEqual([]);
  });

  it("gives every field of both sections a row, with its default", () => {
    const row = (path: string) => rows.find((r) => r.path === path);
    expect(row("emulator.limits.maxMemoryMiB")).toMatchObject({
      type: "integer, at least 96",
      default: "`1024`",
    });
    expect(row("emulator.accel")?.type).toBe('"auto", "kvm" or "tcg"');
    expect(row("emulator.pools.<image>.max")?.default).toContain("limits.slots");
    expect(row("regions.list[].emulators")?.type).toBe("object[], 1 to 16");
    expect(row("regions.list[].name")?.default).toBe("required");
  });

  it("shows the defaults the resolvers apply", () => {
    const env = { HOME: "/home/u" };
    const resolved = {
      emulator: resolveEmulatorConfig({}, env, {}, { shmDir: undefined, cores: 2 }),
      regions: resolveRegions({}, env),
    };
    // a pool's defaults depend on its other fields: config-resolve.test.ts checks them
    const literal = rows.filter(
      (r) => "defaultValue" in r && !r.path.includes("<") && r.path !== "emulator.pools",
    );
    expect(literal.length).toBeGreaterThan(15);
    for (const r of literal) expect(valueAt(resolved, r.path), r.path).toEqual(r.defaultValue);
  });
});

describe("config/edgevm.json", () => {
  it("fits the whole-file schema", () => {
    const json: unknown = JSON.parse(readFileSync(join(REPO_ROOT, "config/edgevm.json"), "utf8"));
    expect(() => parseConfigFile(json, "config/edgevm.json")).not.toThrow();
  });

  it("a field the schema does not know is an INVALID_CONFIG naming the file and the field", () => {
    expect(() => parseConfigFile({ regoins: {} }, "config/edgevm.json")).toThrow(
      expect.objectContaining({
        code: "INVALID_CONFIG",
        message: "config/edgevm.json: regoins: unknown field",
      }),
    );
    expect(() => parseConfigFile({ regions: { frontDoor: { port: 70000 } } }, "my.json")).toThrow(
      "my.json: regions.frontDoor.port: must be at most 65535",
    );
  });
});

/** The value at a dotted path (`emulator.limits.slots`; `regions.frontDoor.port`). */
function valueAt(root: unknown, path: string): unknown {
  let value = root;
  for (const key of path.split(".")) {
    value = typeof value === "object" && value !== null ? Reflect.get(value, key) : undefined;
  }
  return value;
}
