import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { bundleWorker, esbuildOptions, workerBundlePath, workerEntryPath } from "../src/bundle.js";

const dir = mkdtempSync(join(tmpdir(), "edgevm-bundle-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("esbuildOptions", () => {
  it("targets workerd: one neutral ESM file, worker conditions, runtime modules external", () => {
    const options = esbuildOptions({ entry: "a/index.ts", outFile: "b/a.mjs" });
    expect(options).toMatchObject({
      entryPoints: ["a/index.ts"],
      outfile: "b/a.mjs",
      bundle: true,
      format: "esm",
      platform: "neutral",
      target: "es2022",
      conditions: ["workerd", "worker", "browser"],
      external: ["cloudflare:*", "node:*"],
      metafile: true,
    });
  });

  it("names entries and outputs by app", () => {
    expect(workerEntryPath("/r", "compute")).toBe("/r/worker-apps/compute/src/index.ts");
    expect(workerBundlePath("/r", "compute")).toBe("/r/.edgevm/build/compute.mjs");
  });
});

describe("bundleWorker", () => {
  const entry = join(dir, "src", "index.ts");
  const dep = join(dir, "src", "dep.ts");
  const outFile = join(dir, "build", "app.mjs");

  it("bundles imports into one module and keeps cloudflare:/node: imports", async () => {
    mkdirSync(join(dir, "src"), { recursive: true });
    writeFileSync(dep, 'export const greet = (n: string): string => "hi:" + n;\n');
    writeFileSync(
      entry,
      [
        'import { DurableObject } from "cloudflare:workers";',
        'import { Buffer } from "node:buffer";',
        'import { greet } from "./dep";',
        "export class Rec extends DurableObject {}",
        "export default { fetch: () => new Response(greet(Buffer.from('x').toString())) };",
      ].join("\n"),
    );
    const result = await bundleWorker({ entry, outFile });
    expect(result.cached).toBe(false);
    const code = readFileSync(outFile, "utf8");
    expect(code).toContain('from "cloudflare:workers"');
    expect(code).toContain('from "node:buffer"');
    expect(code).toContain('"hi:"');
    expect(code).not.toContain("./dep");
    expect(result.bytes).toBe(Buffer.byteLength(code));
  });

  it("reuses the bundle until an input changes", async () => {
    expect((await bundleWorker({ entry, outFile })).cached).toBe(true);
    writeFileSync(dep, 'export const greet = (n: string): string => "hello:" + n;\n');
    const later = new Date(Date.now() + 5_000);
    utimesSync(dep, later, later);
    expect((await bundleWorker({ entry, outFile })).cached).toBe(false);
    expect(readFileSync(outFile, "utf8")).toContain('"hello:"');
    expect((await bundleWorker({ entry, outFile, force: true })).cached).toBe(false);
  });

  it("fails with BUNDLE_FAILED naming the problem", async () => {
    writeFileSync(entry, 'import { nope } from "./missing";\nexport default nope;\n');
    await expect(bundleWorker({ entry, outFile })).rejects.toMatchObject({
      code: "BUNDLE_FAILED",
      message: expect.stringContaining("./missing"),
    });
  });
});
