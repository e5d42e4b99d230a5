/**
 * Gathers everything an image is built from and hashes it into the cache key. Cheap enough to run
 * on every `ensureImage` call: file digests are memoised by path, size, mtime and inode.
 */
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { AGENT_CFLAGS, type Compiler, detectCompiler } from "./agent-build.js";
import type { ImageDefinition } from "./images.js";
import { findKernel, type KernelInfo, type KernelSelection } from "./kernel.js";
import { BUILDER_FORMAT_VERSION, computeImageHash, type ImageInputs } from "./manifest.js";
import { type ModuleFile, resolveModuleFiles } from "./module-files.js";
import { imageBuildError, sha256, sha256File } from "./util.js";

/** `emulator-service/agent/agent.c`, next to this source tree. */
export const DEFAULT_AGENT_SOURCE = fileURLToPath(new URL("../../agent/agent.c", import.meta.url));
export const DEFAULT_BUSYBOX = "/bin/busybox";

export interface PlanOptions {
  agentSource?: string;
  kernel?: KernelSelection;
  busybox?: string;
}

export interface BuildPlan {
  definition: ImageDefinition;
  kernel: KernelInfo;
  modules: ModuleFile[];
  busybox: string;
  agentSource: string;
  compiler: Compiler;
  inputs: ImageInputs;
  hash: string;
}

const digestMemo = new Map<string, string>();

/** sha256 of a file, memoised while its size, mtime and inode stay the same. */
export async function fileDigest(file: string, what: string): Promise<string> {
  let key: string;
  try {
    const s = await stat(file);
    key = `${file}\0${s.size}\0${s.mtimeMs}\0${s.ino}`;
  } catch (err) {
    throw imageBuildError(`${what} ${file} not found`, err);
  }
  const known = digestMemo.get(key);
  if (known !== undefined) return known;
  const digest = await sha256File(file);
  digestMemo.set(key, digest);
  return digest;
}

/** Digests of the `*.h` files next to the agent source (it may include them). */
async function headerDigests(source: string): Promise<Array<{ path: string; sha256: string }>> {
  const dir = path.dirname(source);
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith(".h"));
  return Promise.all(
    names.sort().map(async (name) => ({
      path: name,
      sha256: await fileDigest(path.join(dir, name), "guest agent header"),
    })),
  );
}

export async function planImage(
  definition: ImageDefinition,
  opts: PlanOptions = {},
): Promise<BuildPlan> {
  const agentSource = opts.agentSource ?? DEFAULT_AGENT_SOURCE;
  const busybox = opts.busybox ?? DEFAULT_BUSYBOX;
  const kernel = await findKernel(opts.kernel);
  const [modules, compiler] = await Promise.all([
    resolveModuleFiles(kernel, definition.modules),
    detectCompiler(),
  ]);
  const [vmlinuzSha256, busyboxSha256, sourceSha256, headers, moduleDigests] = await Promise.all([
    fileDigest(kernel.vmlinuz, "kernel image"),
    fileDigest(busybox, "busybox (install busybox-static)"),
    fileDigest(agentSource, "guest agent source"),
    headerDigests(agentSource),
    Promise.all(
      modules.map(async (m) => ({
        path: m.guestPath,
        sha256: await fileDigest(m.hostPath, "kernel module"),
      })),
    ),
  ]);
  const inputs: ImageInputs = {
    format: BUILDER_FORMAT_VERSION,
    image: definition.name,
    kernel: { version: kernel.version, vmlinuzSha256 },
    modules: moduleDigests,
    busyboxSha256,
    agent: {
      sourceSha256,
      headers,
      compiler: compiler.command,
      compilerVersion: compiler.version,
      cflags: [...AGENT_CFLAGS],
    },
    extraFiles: (definition.extraFiles ?? []).map((f) => ({
      path: f.path,
      sha256: sha256(f.content),
      mode: f.mode ?? 0o644,
    })),
  };
  return {
    definition,
    kernel,
    modules,
    busybox,
    agentSource,
    compiler,
    inputs,
    hash: computeImageHash(inputs),
  };
}
