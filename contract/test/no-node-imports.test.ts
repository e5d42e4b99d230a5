import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

/** The contract and observability also run in workerd and browsers: Web APIs (and zod) only. */
const ROOTS = ["../src", "../../observability/src"].map((dir) => join(import.meta.dirname, dir));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

describe("contract/ and observability/ stay Web-only", () => {
  for (const root of ROOTS) {
    it(`${relative(join(import.meta.dirname, "../.."), root)} imports only zod and itself`, () => {
      const files = sourceFiles(root);
      expect(files.length).toBeGreaterThan(3);
      for (const file of files) {
        const text = readFileSync(file, "utf8");
        expect(text, file).not.toMatch(/["']node:/);
        expect(text, file).not.toMatch(/\bBuffer\b/);
        for (const [, spec] of text.matchAll(/\bfrom\s*["']([^"']+)["']/g)) {
          expect(spec === "zod" || spec?.startsWith("."), `${file}: ${spec}`).toBe(true);
        }
      }
    });
  }
});
