/**
 * The on-disk image cache: `<cacheDir>/images/<name>/<hash>/` directories, the name of the
 * per-image build lock (`util/file-lock.ts`), validation of built directories and removal of leftovers.
 */
import { randomBytes } from "node:crypto";
import { readdir, readFile, rm, stat } from "node:fs/promises";
import path from "node:path";
import { errnoCode } from "../util/errno.js";
import { isPidAlive } from "../util/file-lock.js";
import {
  HASH_LENGTH,
  type ImageManifest,
  INITRD_FILE,
  MANIFEST_FILE,
  parseManifest,
  VMLINUX_FILE,
} from "./manifest.js";
import { sha256File } from "./util.js";

export const LOCK_FILE = ".lock";
const TMP_PREFIX = ".tmp-";
const HASH_DIR = new RegExp(`^[0-9a-f]{${HASH_LENGTH}}$`);

export function tmpDirName(hash: string, pid = process.pid): string {
  return `${TMP_PREFIX}${hash}-${pid}-${randomBytes(3).toString("hex")}`;
}

/** The pid in a `.tmp-<hash>-<pid>[-<rand>]` name, or undefined for other names. */
export function tmpDirPid(name: string): number | undefined {
  const m = /^\.tmp-[0-9a-f]+-(\d+)(?:-[0-9a-f]+)?$/.exec(name);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

/**
 * The manifest of a built image directory when the directory is complete: manifest.json parses,
 * names this hash, and both files have the recorded size (and sha256 with `fullVerify`).
 */
export async function readValidImage(
  dir: string,
  hash: string,
  opts: { fullVerify: boolean },
): Promise<ImageManifest | undefined> {
  let text: string;
  try {
    text = await readFile(path.join(dir, MANIFEST_FILE), "utf8");
  } catch {
    return undefined;
  }
  const manifest = parseManifest(text);
  if (!manifest || manifest.hash !== hash) return undefined;
  const files: Array<[string, { sha256: string; size: number }]> = [
    [path.join(dir, VMLINUX_FILE), manifest.files.vmlinux],
    [path.join(dir, INITRD_FILE), manifest.files.initrd],
  ];
  for (const [file, expected] of files) {
    try {
      const s = await stat(file);
      if (!s.isFile() || s.size !== expected.size) return undefined;
      if (opts.fullVerify && (await sha256File(file)) !== expected.sha256) return undefined;
    } catch {
      return undefined;
    }
  }
  return manifest;
}

/** Removes `.tmp-*` build directories whose process is gone (skipping the ones in `keep`). */
export async function removeStaleTmpDirs(
  imageDir: string,
  keep: ReadonlySet<string> = new Set(),
): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await listDir(imageDir)) {
    if (!name.startsWith(TMP_PREFIX)) continue;
    const full = path.join(imageDir, name);
    if (keep.has(full)) continue;
    const pid = tmpDirPid(name);
    if (pid !== undefined && pid !== process.pid && isPidAlive(pid)) continue;
    await rm(full, { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

/** Removes the other hash directories of an image (older builds). */
export async function removeOtherHashes(imageDir: string, keepHash: string): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await listDir(imageDir)) {
    if (name === keepHash || !HASH_DIR.test(name)) continue;
    await rm(path.join(imageDir, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return [];
    throw err;
  }
}
