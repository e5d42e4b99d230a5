import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = resolve(import.meta.dirname, "../src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.[cm]?[jt]s$/.test(entry.name) ? [path] : [];
  });
}

interface ImportStatement {
  typeOnly: boolean;
  spec: string;
}

/** Every import/export-from statement, and whether it is type-only; dynamic imports and requires. */
function statements(text: string): ImportStatement[] {
  const out: ImportStatement[] = [];
  for (const m of text.matchAll(
    /\b(?:import|export)\s+(type\s+)?[^;]*?\bfrom\s*["']([^"']+)["']/g,
  )) {
    out.push({ typeOnly: m[1] !== undefined, spec: m[2] ?? "" });
  }
  for (const m of text.matchAll(
    /(?:\bimport\s*\(\s*|\brequire\s*\(\s*|^import\s+)["']([^"']+)["']/gm,
  )) {
    out.push({ typeOnly: false, spec: m[1] ?? "" });
  }
  return out;
}

/**
 * The typed client runs in Node ≥ 18, browsers and Workers, and carries no runtime dependency it
 * does not need: its wire types come from `@edgevm/contract` as types only (no zod at run time);
 * the one runtime module it takes from there is the dependency-free SSE parser.
 */
describe("sdk/src is platform-neutral", () => {
  const files = sourceFiles(SRC);

  it("finds the SDK sources and reads import statements", () => {
    expect(files.map((f) => relative(SRC, f)).sort()).toEqual(
      expect.arrayContaining(["client.ts", "index.ts", "stream.ts", "types.ts"]),
    );
    const sample = statements(
      'import type { A } from "@edgevm/contract";\nimport { b } from "node:fs";\nconst c = await import("x");',
    );
    expect(sample).toEqual([
      { typeOnly: true, spec: "@edgevm/contract" },
      { typeOnly: false, spec: "node:fs" },
      { typeOnly: false, spec: "x" },
    ]);
  });

  it("imports only its own files, contract types, and the contract's SSE parser", () => {
    for (const file of files) {
      const text = readFileSync(file, "utf8");
      expect(text, file).not.toMatch(/["']node:/);
      expect(text, file).not.toMatch(/\bBuffer\b|\bprocess\./);
      for (const { typeOnly, spec } of statements(text)) {
        if (spec === "@edgevm/contract") {
          expect(typeOnly, `${file}: a value import from ${spec}`).toBe(true);
          continue;
        }
        if (spec === "@edgevm/contract/sse") continue;
        expect(spec.startsWith("./"), `${file}: ${spec}`).toBe(true);
        expect(resolve(dirname(file), spec).startsWith(SRC), `${file}: ${spec}`).toBe(true);
      }
    }
  });

  it("the SSE parser it takes at run time imports nothing", () => {
    const sse = readFileSync(resolve(SRC, "../../contract/src/sse.ts"), "utf8");
    expect(statements(sse)).toEqual([]);
  });
});
