import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

/** Observability also runs in workerd (the Workers log and count with it): Web APIs only. */
const ROOTS = [join(import.meta.dirname, "../src")];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

describe("observability/ stays Web-only", () => {
  for (const root of ROOTS) {
    it(`${relative(join(import.meta.dirname, "../.."), root)} imports only itself`, () => {
      const files = sourceFiles(root);
      expect(files.length).toBeGreaterThan(3);
      for (const file of files) {
        const text = readFileSync(file, "utf8");
        expect(text, file).not.toMatch(/["']node:/);
        expect(text, file).not.toMatch(/\bBuffer\b/);
        for (const [, spec] of text.matchAll(/\bfrom\s*["']([^"']+)["']/g)) {
          expect(spec?.startsWith("."), `${file}: ${spec}`).toBe(true);
        }
      }
    });
  }
});
