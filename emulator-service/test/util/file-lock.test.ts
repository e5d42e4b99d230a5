import { existsSync } from "node:fs";
import { readFile, utimes, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  acquireFileLock,
  isPidAlive,
  LOCK_POLL_MS,
  type LockClock,
  UNREADABLE_LOCK_STALE_MS,
} from "../../src/util/file-lock.js";
import { deadPid, tempDir } from "../images/helpers.js";

let tmp: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  tmp = await tempDir("lock");
});
afterAll(() => tmp.cleanup());

/** Every sleep returns at once, time having moved by its length. */
function autoClock(): LockClock & { slept: number[] } {
  let now = Date.now();
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
  };
}

/** Sleeps end only when the test says so: `sleeping()` resolves once the lock is polling. */
function steppedClock(): { clock: LockClock; sleeping(): Promise<void>; wake(): void } {
  let now = Date.now();
  let wake: (() => void) | undefined;
  let onSleep: (() => void) | undefined;
  return {
    clock: {
      now: () => now,
      sleep: (ms) =>
        new Promise<void>((resolve) => {
          wake = () => {
            now += ms;
            resolve();
          };
          onSleep?.();
        }),
    },
    sleeping: () =>
      new Promise<void>((resolve) => {
        if (wake) resolve();
        else onSleep = resolve;
      }),
    wake: () => {
      const current = wake;
      wake = undefined;
      current?.();
    },
  };
}

describe("file lock", () => {
  it("is exclusive: a second taker waits until the first releases", async () => {
    const file = path.join(tmp.dir, "excl.lock");
    const release = await acquireFileLock(file);
    expect(await readFile(file, "utf8")).toBe(`${process.pid}\n`);
    const stepped = steppedClock();
    const waits: number[] = [];
    let second = false;
    const waiting = acquireFileLock(file, {
      clock: stepped.clock,
      onWait: (pid) => waits.push(pid),
    }).then((r) => {
      second = true;
      return r;
    });
    await stepped.sleeping();
    expect(waits).toEqual([process.pid]);
    expect(second).toBe(false);
    await release();
    stepped.wake();
    const release2 = await waiting;
    expect(second).toBe(true);
    await release2();
    expect(existsSync(file)).toBe(false);
  });

  it("breaks a lock whose process is dead, without waiting", async () => {
    const file = path.join(tmp.dir, "stale.lock");
    const pid = deadPid();
    expect(isPidAlive(pid)).toBe(false);
    await writeFile(file, `${pid}\n`);
    const clock = autoClock();
    const release = await acquireFileLock(file, { clock });
    expect(clock.slept).toEqual([]);
    expect(await readFile(file, "utf8")).toBe(`${process.pid}\n`);
    await release();
  });

  it("breaks an unreadable lock only once it is old", async () => {
    const file = path.join(tmp.dir, "garbage.lock");
    await writeFile(file, "");
    const old = new Date(Date.now() - 60_000);
    await utimes(file, old, old);
    const clock = autoClock();
    const release = await acquireFileLock(file, { clock });
    expect(clock.slept).toEqual([]);
    await release();

    await writeFile(file, ""); // fresh: being written, or left by a crash a moment ago
    const young = autoClock();
    const release2 = await acquireFileLock(file, { clock: young });
    const waited = young.slept.reduce((a, b) => a + b, 0);
    expect(waited).toBeGreaterThanOrEqual(UNREADABLE_LOCK_STALE_MS);
    expect(waited).toBeLessThanOrEqual(UNREADABLE_LOCK_STALE_MS + 2 * LOCK_POLL_MS);
    await release2();
  });

  it("waits for a live holder and times out with the caller's error code", async () => {
    const file = path.join(tmp.dir, "live.lock");
    await writeFile(file, "1\n"); // pid 1 is always alive
    const waits: number[] = [];
    const clock = autoClock();
    const err = await acquireFileLock(file, {
      timeoutMs: 300,
      onWait: (p) => waits.push(p),
      label: "image build lock",
      errorCode: "IMAGE_BUILD_FAILED",
      clock,
    }).catch((e: unknown) => e);
    expect(waits).toEqual([1]);
    expect(err).toMatchObject({ code: "IMAGE_BUILD_FAILED" });
    expect((err as Error).message).toContain("image build lock");
    expect(clock.slept).toEqual([LOCK_POLL_MS, LOCK_POLL_MS, LOCK_POLL_MS]);
    expect(await readFile(file, "utf8")).toBe("1\n");
  });
});
