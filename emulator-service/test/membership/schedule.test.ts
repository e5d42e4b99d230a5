/** When the membership loop sends its next heartbeat (pure), and the real scheduler's timers. */
import { describe, expect, it } from "vitest";
import {
  delayAfterBeat,
  NUDGE_MIN_INTERVAL_MS,
  nextDelayMs,
  nudgeDelayMs,
  SYSTEM_SCHEDULER,
} from "../../src/membership/schedule.js";
import { ManualScheduler } from "./manual-scheduler.js";

describe("nextDelayMs", () => {
  it("counts the cadence from each request's start", () => {
    expect(nextDelayMs(1_000, 10)).toBe(990);
    expect(nextDelayMs(1_000, 10.4)).toBe(990);
    expect(nextDelayMs(1_000, 2_000)).toBe(0);
  });
});

describe("nudgeDelayMs", () => {
  it("waits until NUDGE_MIN_INTERVAL_MS after the last heartbeat began", () => {
    expect(nudgeDelayMs(1_000, 1_000)).toBe(NUDGE_MIN_INTERVAL_MS);
    expect(nudgeDelayMs(1_000, 1_150)).toBe(NUDGE_MIN_INTERVAL_MS - 150);
    expect(nudgeDelayMs(1_000, 1_000 + NUDGE_MIN_INTERVAL_MS)).toBe(0);
    expect(nudgeDelayMs(1_000, 5_000)).toBeLessThan(0);
  });

  it("sends at once when no heartbeat has begun yet", () => {
    expect(nudgeDelayMs(Number.NEGATIVE_INFINITY, 0)).toBeLessThan(0);
  });
});

describe("delayAfterBeat", () => {
  it("keeps the interval from the heartbeat's start when nothing else was asked for", () => {
    expect(delayAfterBeat({ began: 100, now: 130, intervalMs: 1_000, again: false })).toBe(970);
    // a request slower than the interval: the next one goes out at once
    expect(delayAfterBeat({ began: 100, now: 2_100, intervalMs: 1_000, again: false })).toBe(0);
  });

  it("sends one asked for during the request as soon as the nudge rate limit allows", () => {
    expect(delayAfterBeat({ began: 100, now: 130, intervalMs: 60_000, again: true })).toBe(
      NUDGE_MIN_INTERVAL_MS - 30,
    );
    expect(delayAfterBeat({ began: 100, now: 900, intervalMs: 60_000, again: true })).toBe(0);
  });
});

describe("SYSTEM_SCHEDULER", () => {
  it("reads a monotonic clock and sets unref'd timers that clearTimeout cancels", async () => {
    const a = SYSTEM_SCHEDULER.now();
    expect(SYSTEM_SCHEDULER.now()).toBeGreaterThanOrEqual(a);
    let fired = 0;
    const cancelled = SYSTEM_SCHEDULER.setTimeout(() => fired++, 0);
    SYSTEM_SCHEDULER.clearTimeout(cancelled);
    const handle = SYSTEM_SCHEDULER.setTimeout(() => fired++, 0);
    expect((handle as NodeJS.Timeout).hasRef()).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(fired).toBe(1);
  });
});

describe("ManualScheduler (the tests' clock)", () => {
  it("fires due timers in order, each at its own time, and skips cleared ones", () => {
    const clock = new ManualScheduler();
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`b@${clock.now()}`), 20);
    const cleared = clock.setTimeout(() => fired.push("cleared"), 5);
    clock.setTimeout(() => {
      fired.push(`a@${clock.now()}`);
      clock.setTimeout(() => fired.push(`c@${clock.now()}`), 5);
    }, 10);
    clock.clearTimeout(cleared);
    expect(clock.nextDelay()).toBe(10);
    clock.advance(19);
    expect(fired).toEqual(["a@10", "c@15"]);
    expect(clock.now()).toBe(19);
    expect(clock.pending()).toBe(1);
    clock.advance(1);
    expect(fired).toEqual(["a@10", "c@15", "b@20"]);
    expect(clock.nextDelay()).toBeUndefined();
  });
});
