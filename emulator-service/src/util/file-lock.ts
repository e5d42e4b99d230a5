/**
 * A lock between processes on one machine: a lock file created with O_EXCL that holds the owner's
 * pid. The image builder and the template store take it (several hosts on one machine share both
 * caches). A leaf: it imports nothing of the host.
 */
import { randomBytes } from "node:crypto";
import { link, open, readFile, rename, rm, stat, unlink } from "node:fs/promises";
import { EdgevmError, type ErrorCode } from "@edgevm/contract";
import { errnoCode } from "./errno.js";

/** The wall clock and the sleep the lock polls with; tests pass a manual one. */
export interface LockClock {
  /** unix ms (compared with the lock file's mtime) */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const SYSTEM_LOCK_CLOCK: LockClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** How often a live holder is polled, ms. */
export const LOCK_POLL_MS = 150;
/** An empty or unreadable lock file older than this was left by a crash, ms. */
export const UNREADABLE_LOCK_STALE_MS = 5_000;

export interface FileLockOptions {
  /** how long to wait for a live holder, ms (default 15 minutes) */
  timeoutMs?: number;
  /** called once, when the lock is found held by a live process */
  onWait?: (holderPid: number) => void;
  /** what the lock guards, for error messages (default "lock") */
  label?: string;
  /** the code of the error thrown when the lock cannot be taken (default INTERNAL) */
  errorCode?: ErrorCode;
  clock?: LockClock;
}

/** Releases the lock (only if this process still holds it). */
export type ReleaseLock = () => Promise<void>;

export function isPidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoCode(err) === "EPERM";
  }
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
 * is waited for, polling every `LOCK_POLL_MS`. Returns the release function.
 */
export async function acquireFileLock(
  file: string,
  opts: FileLockOptions = {},
): Promise<ReleaseLock> {
  const clock = opts.clock ?? SYSTEM_LOCK_CLOCK;
  const label = opts.label ?? "lock";
  const fail = (message: string, cause?: unknown) =>
    new EdgevmError(opts.errorCode ?? "INTERNAL", message, { cause });
  const deadline = clock.now() + (opts.timeoutMs ?? 15 * 60_000);
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
      if (errnoCode(err) !== "EEXIST") throw fail(`cannot create ${label} ${file}`, err);
    }
    const holder = await readLockPid(file);
    if (holder === undefined) {
      // Being written right now, or garbage left by a crash: stale once it is a few seconds old.
      const age = await stat(file).then(
        (s) => clock.now() - s.mtimeMs,
        () => 0,
      );
      if (age > UNREADABLE_LOCK_STALE_MS) await breakStaleLock(file, undefined);
      else await clock.sleep(LOCK_POLL_MS);
    } else if (!isPidAlive(holder)) {
      await breakStaleLock(file, holder);
    } else {
      if (!reported) opts.onWait?.(holder);
      reported = true;
      if (clock.now() > deadline) {
        throw fail(`timed out waiting for ${label} ${file} held by pid ${holder}`);
      }
      await clock.sleep(LOCK_POLL_MS);
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
