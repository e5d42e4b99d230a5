import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const AUTH_DIR = join(import.meta.dirname, "../../../emulator-service/src/auth");

describe("auth/ stays Web-only (it also runs in workerd)", () => {
  it("imports nothing from node: or node built-ins", () => {
    const files = readdirSync(AUTH_DIR).filter((f) => f.endsWith(".ts"));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const text = readFileSync(join(AUTH_DIR, file), "utf8");
      expect(text, file).not.toMatch(/from\s+["']node:/);
      expect(text, file).not.toMatch(/from\s+["'](crypto|buffer|fs|path)["']/);
      expect(text, file).not.toMatch(/\bBuffer\b/);
    }
  });
});
