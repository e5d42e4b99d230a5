/**
 * Runs dependency-cruiser with the repo's `.dependency-cruiser.cjs` on the real repo or on a small
 * fixture tree laid out like it (workspace packages linked under node_modules/@edgevm, as npm does).
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { cruise, type ICruiseOptions, type IViolation } from "dependency-cruiser";
import extractDepcruiseOptions from "dependency-cruiser/config-utl/extract-depcruise-options";
import extractTSConfig from "dependency-cruiser/config-utl/extract-ts-config";

export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** What `npm run lint:deps` cruises. */
export const LINTED = [
  "contract",
  "observability",
  "emulator-service",
  "runtime",
  "sdk",
  "bench",
  "worker-apps",
  "test",
];

/**
 * Cruises those of `paths` that exist under `baseDir` with the repo's rules (and that directory's
 * tsconfig.json), as `npm run lint:deps` does.
 */
export async function violations(baseDir: string, paths: readonly string[]): Promise<IViolation[]> {
  const config: ICruiseOptions = await extractDepcruiseOptions(
    join(REPO_ROOT, ".dependency-cruiser.cjs"),
  );
  const tsConfigFile = join(baseDir, "tsconfig.json");
  const options: ICruiseOptions = {
    ...config,
    baseDir,
    tsConfig: { fileName: tsConfigFile },
  };
  const present = paths.filter((path) => existsSync(join(baseDir, path)));
  const result = await cruise(present, options, {}, { tsConfig: extractTSConfig(tsConfigFile) });
  if (typeof result.output === "string") throw new Error("expected a cruise result, got text");
  return result.output.summary.violations;
}

/** `rule: from → to`, one line per violation, for readable assertions. */
export function describeViolations(found: readonly IViolation[]): string[] {
  return found.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`);
}

/** name → folder of the workspace packages a fixture may import by name. */
const WORKSPACES: Readonly<Record<string, string>> = {
  "@edgevm/contract": "contract",
  "@edgevm/observability": "observability",
  "@edgevm/emulator": "emulator-service",
  "@edgevm/runtime": "runtime",
  "@edgevm/client": "sdk",
  "@edgevm/bench": "bench",
  "@edgevm/example-kit": "worker-apps/example-kit",
};

/** A workspace package's manifest: exports with the `source` condition, as in the repo. */
export function packageJson(name: string, dependencies: Record<string, string>): string {
  const folder = WORKSPACES[name] ?? "";
  const src = folder.startsWith("worker-apps/") ? "." : "./src";
  const sub = (path: string) => ({ source: `${src}/${path}.ts`, default: `./dist/${path}.js` });
  return JSON.stringify({
    name,
    type: "module",
    exports: { ".": sub("index"), "./*": sub("*") },
    dependencies,
  });
}

/** Package manifests, links and externals. */
function baseTree(): Record<string, string> {
  const files: Record<string, string> = {
    "package.json": JSON.stringify({
      name: "fixture",
      private: true,
      type: "module",
      workspaces: Object.values(WORKSPACES),
    }),
    "tsconfig.json": JSON.stringify({
      compilerOptions: {
        module: "NodeNext",
        moduleResolution: "NodeNext",
        strict: true,
        verbatimModuleSyntax: true,
        customConditions: ["source"],
      },
    }),
    "node_modules/zod/package.json": JSON.stringify({ name: "zod", main: "index.js" }),
    "node_modules/zod/index.js": "export const z = {};\n",
    "node_modules/hono/package.json": JSON.stringify({ name: "hono", main: "index.js" }),
    "node_modules/hono/index.js": "export class Hono {}\n",
  };
  for (const [name, folder] of Object.entries(WORKSPACES)) {
    files[`${folder}/package.json`] = packageJson(name, { zod: "*", hono: "*" });
  }
  return files;
}

/** A fixture tree: the base plus `files` (path → text); removed by the returned function. */
export async function fixtureTree(
  files: Readonly<Record<string, string>>,
): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), "edgevm-deps-")));
  for (const [path, text] of Object.entries({ ...baseTree(), ...files })) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  for (const [name, folder] of Object.entries(WORKSPACES)) {
    const link = join(dir, "node_modules", name);
    await mkdir(dirname(link), { recursive: true });
    await symlink(join(dir, folder), link, "dir");
  }
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
