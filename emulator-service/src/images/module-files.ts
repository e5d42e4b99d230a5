import { readFile } from "node:fs/promises";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { errnoCode } from "../util/errno.js";
import type { KernelInfo } from "./kernel.js";
import {
  moduleCompression,
  parseModulesBuiltin,
  parseModulesDep,
  plainModulePath,
  resolveModules,
} from "./modules.js";
import { imageBuildError, runCommand } from "./util.js";

export interface ModuleFile {
  /** As in modules.dep, relative to the modules directory (may be compressed). */
  relPath: string;
  hostPath: string;
  /** Absolute path inside the guest, always a plain `.ko`. */
  guestPath: string;
}

/** Reads modules.dep (and modules.builtin) of a kernel and resolves `wanted` in load order. */
export async function resolveModuleFiles(
  kernel: KernelInfo,
  wanted: readonly string[],
): Promise<ModuleFile[]> {
  let depText: string;
  try {
    depText = await readFile(path.join(kernel.modulesDir, "modules.dep"), "utf8");
  } catch (err) {
    throw imageBuildError(`cannot read modules.dep of kernel ${kernel.version}`, err);
  }
  let builtinText = "";
  try {
    builtinText = await readFile(path.join(kernel.modulesDir, "modules.builtin"), "utf8");
  } catch (err) {
    if (errnoCode(err) !== "ENOENT") throw imageBuildError("cannot read modules.builtin", err);
  }
  const order = resolveModules(parseModulesDep(depText), wanted, parseModulesBuiltin(builtinText));
  return order.map((relPath) => ({
    relPath,
    hostPath: path.join(kernel.modulesDir, relPath),
    guestPath: path.posix.join("/lib/modules", kernel.version, plainModulePath(relPath)),
  }));
}

/** The plain `.ko` bytes of a module, decompressing `.ko.xz` / `.ko.zst` / `.ko.gz`. */
export async function readModuleContent(file: ModuleFile): Promise<Buffer> {
  const compression = moduleCompression(file.relPath);
  try {
    if (compression === undefined) return await readFile(file.hostPath);
    if (compression === "gzip") return gunzipSync(await readFile(file.hostPath));
    const command = compression === "xz" ? "xz" : "zstd";
    const result = await runCommand(command, ["-dc", file.hostPath]);
    if (result.code !== 0) {
      throw new Error(`${command} exited with ${result.code}: ${result.stderr.trim()}`);
    }
    return result.stdout;
  } catch (err) {
    throw imageBuildError(`cannot read kernel module ${file.hostPath}`, err);
  }
}
