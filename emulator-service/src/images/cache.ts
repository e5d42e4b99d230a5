/**
 * The on-disk image cache: `<cacheDir>/images/<name>/<hash>/` directories, a per-image build lock,
 * validation of built directories and removal of leftovers.
 */
import { randomBytes } from "node:crypto";
import { link, open, readdir, readFile, rename, rm, stat, unlink } from "node:fs/promises";
import path from "node:path";
import {
  HASH_LENGTH,
  type ImageManifest,
  INITRD_FILE,
  MANIFEST_FILE,
  parseManifest,
  VMLINUX_FILE,
} from "./manifest.js";
import { errnoCode, imageBuildError, sha256File } from "./util.js";

export const LOCK_FILE = ".lock";
const TMP_PREFIX = ".tmp-";
const HASH_DIR = new RegExp(`^[0-9a-f]{${HASH_LENGTH}}$`);

export function isPidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoCode(err) === "EPERM";
  }
}

export function tmpDirName(hash: string, pid = process.pid): string {
  return `${TMP_PREFIX}${hash}-${pid}-${randomBytes(3).toString("hex")}`;
}

/** The pid in a `.tmp-<hash>-<pid>[-<rand>]` name, or undefined for other names. */
export function tmpDirPid(name: string): number | undefined {
  const m = /^\.tmp-[0-9a-f]+-(\d+)(?:-[0-9a-f]+)?$/.exec(name);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

async function readLockPid(file: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt((await readFile(file, "utf8")).trim(), 10);
    return Number.isNaN(pid) ? undefined : pid;
  } catch {
    return undefined;
  }
}

/**
 * Takes the lock file with O_EXCL, holding our pid. A lock whose pid is dead is broken; a live one
 * is waited for. Returns the release function.
 */
export async function acquireLock(
  file: string,
  opts: { timeoutMs?: number; onWait?: (holderPid: number) => void } = {},
): Promise<() => Promise<void>> {
  const deadline = Date.now() + (opts.timeoutMs ?? 15 * 60_000);
  let reported = false;
  for (;;) {
    try {
      const fh = await open(file, "wx");
      await fh.writeFile(`${process.pid}\n`);
      await fh.close();
      return async () => {
        if ((await readLockPid(file)) === process.pid) await rm(file, { force: true });
      };
    } catch (err) {
      if (errnoCode(err) !== "EEXIST") throw imageBuildError(`cannot create lock ${file}`, err);
    }
    const holder = await readLockPid(file);
    if (holder === undefined) {
      // Being written right now, or garbage left by a crash: stale once it is a few seconds old.
      const age = await stat(file).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > 5_000) await breakStaleLock(file, undefined);
    } else if (!isPidAlive(holder)) {
      await breakStaleLock(file, holder);
    } else {
      if (!reported) opts.onWait?.(holder);
      reported = true;
      if (Date.now() > deadline) {
        throw imageBuildError(
          `timed out waiting for image build lock ${file} held by pid ${holder}`,
        );
      }
      await new Promise((r) => setTimeout(r, 150));
    }
  }
}

/** Moves the lock aside; if it turns out to be a fresh lock of someone else, puts it back. */
async function breakStaleLock(file: string, stalePid: number | undefined): Promise<void> {
  const aside = `${file}.stale-${process.pid}-${randomBytes(3).toString("hex")}`;
  try {
    await rename(file, aside);
  } catch {
    return; // someone else broke it first
  }
  if ((await readLockPid(aside)) !== stalePid) {
    await link(aside, file).catch(() => undefined);
  }
  await unlink(aside).catch(() => undefined);
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
