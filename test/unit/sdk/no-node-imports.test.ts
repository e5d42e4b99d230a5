import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), "../../../sdk/src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.[cm]?[jt]s$/.test(entry.name) ? [path] : [];
  });
}

/** Every module specifier: static/dynamic import, export-from, require. */
function specifiers(text: string): string[] {
  const pattern = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)["']([^"']+)["']/g;
  return [...text.matchAll(pattern)].map((m) => m[1] ?? "");
}

describe("sdk/src is platform-neutral", () => {
  const files = sourceFiles(SRC);

  it("finds the SDK sources", () => {
    expect(files.map((f) => relative(SRC, f)).sort()).toEqual(
      expect.arrayContaining(["client.ts", "index.ts", "sse.ts", "stream.ts", "types.ts"]),
    );
    const sample = specifiers('import { a } from "node:fs";\nconst b = await import("x");');
    expect(sample).toEqual(["node:fs", "x"]);
  });

  it("no file imports node: modules, packages, or anything outside sdk/src", () => {
    for (const file of files) {
      const text = readFileSync(file, "utf8");
      expect(text, file).not.toMatch(/["']node:/);
      expect(text, file).not.toMatch(/\bBuffer\b|\bprocess\./);
      for (const spec of specifiers(text)) {
        expect(spec.startsWith("./") || spec.startsWith("../"), `${file}: ${spec}`).toBe(true);
        const target = resolve(dirname(file), spec);
        expect(target.startsWith(SRC), `${file}: ${spec}`).toBe(true);
      }
    }
  });
});
