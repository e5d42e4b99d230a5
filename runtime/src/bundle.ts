/**
 * Bundles a Worker entry (`worker-apps/<app>/src/index.ts`) into one ES module for workerd, the
 * way wrangler does: platform neutral, `workerd`/`worker`/`browser` conditions, ES2022, with
 * `cloudflare:*` and `node:*` left to the runtime. Output goes to `.edgevm/build/<app>.mjs`. A
 * bundle is rebuilt only when one of its inputs (as listed by esbuild's metafile) changed.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { EdgevmError } from "@edgevm/contract";
import { type BuildOptions, build, type Metafile } from "esbuild";

export interface BundleResult {
  outFile: string;
  bytes: number;
  /** true when the previous bundle was still up to date */
  cached: boolean;
}

export interface BundleOptions {
  /** the Worker's entry module */
  entry: string;
  outFile: string;
  minify?: boolean;
  /** rebuild even if the inputs did not change */
  force?: boolean;
}

/** `worker-apps/<app>/src/index.ts` */
export function workerEntryPath(repoRoot: string, app: string): string {
  return join(repoRoot, "worker-apps", app, "src", "index.ts");
}

/** `.edgevm/build/<app>.mjs` (git-ignored) */
export function workerBundlePath(repoRoot: string, app: string): string {
  return join(repoRoot, ".edgevm", "build", `${app}.mjs`);
}

/** esbuild options for a workerd module (pure). */
export function esbuildOptions(options: BundleOptions): BuildOptions & { metafile: true } {
  return {
    entryPoints: [options.entry],
    outfile: options.outFile,
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    external: ["cloudflare:*", "node:*"],
    minify: options.minify ?? false,
    sourcemap: false,
    metafile: true,
    logLevel: "silent",
    write: true,
  };
}

interface Stamp {
  version: 1;
  entry: string;
  minify: boolean;
  /** absolute input path → `mtimeMs:size` */
  inputs: Record<string, string>;
}

const stampPath = (outFile: string): string => `${outFile}.inputs.json`;

function fileStamp(path: string): string | undefined {
  try {
    const s = statSync(path);
    return `${s.mtimeMs}:${s.size}`;
  } catch {
    return undefined;
  }
}

function upToDate(options: BundleOptions): boolean {
  if (options.force || fileStamp(options.outFile) === undefined) return false;
  let stamp: Stamp;
  try {
    stamp = JSON.parse(readFileSync(stampPath(options.outFile), "utf8")) as Stamp;
  } catch {
    return false;
  }
  if (stamp.version !== 1 || stamp.entry !== resolve(options.entry)) return false;
  if (stamp.minify !== (options.minify ?? false)) return false;
  return Object.entries(stamp.inputs).every(([path, value]) => fileStamp(path) === value);
}

function inputsOf(metafile: Metafile, cwd: string): Record<string, string> {
  const inputs: Record<string, string> = {};
  for (const input of Object.keys(metafile.inputs)) {
    const path = resolve(cwd, input);
    const value = fileStamp(path);
    if (value !== undefined) inputs[path] = value;
  }
  return inputs;
}

/** Bundles `entry` into `outFile` unless the last bundle's inputs are unchanged. */
export async function bundleWorker(options: BundleOptions): Promise<BundleResult> {
  if (upToDate(options)) {
    return { outFile: options.outFile, bytes: statSync(options.outFile).size, cached: true };
  }
  mkdirSync(dirname(options.outFile), { recursive: true });
  let metafile: Metafile;
  try {
    ({ metafile } = await build(esbuildOptions(options)));
  } catch (err) {
    const errors = (err as { errors?: Array<{ text: string; location?: { file: string } }> })
      .errors;
    const detail = errors?.length
      ? errors.map((e) => (e.location ? `${e.location.file}: ${e.text}` : e.text)).join("; ")
      : (err as Error).message;
    throw new EdgevmError("BUNDLE_FAILED", `could not bundle ${options.entry}: ${detail}`, {
      cause: err,
    });
  }
  const stamp: Stamp = {
    version: 1,
    entry: resolve(options.entry),
    minify: options.minify ?? false,
    inputs: inputsOf(metafile, process.cwd()),
  };
  writeFileSync(stampPath(options.outFile), `${JSON.stringify(stamp, null, 2)}\n`);
  return { outFile: options.outFile, bytes: statSync(options.outFile).size, cached: false };
}
