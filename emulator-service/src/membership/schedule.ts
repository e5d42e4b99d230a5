/**
 * When `RegionMembership` sends its next heartbeat, and the clock and timer it waits on. The
 * decisions are pure; the scheduler is injectable so tests move time by hand instead of sleeping.
 */

/**
 * Least time (ms) between two heartbeats sent because capacity changed (`nudge`): fresh enough
 * for placement, and at most five extra signed requests a second however busy the host is.
 */
export const NUDGE_MIN_INTERVAL_MS = 200;

/** What `Scheduler.setTimeout` returns, for `clearTimeout`; opaque to the loop. */
export type TimerHandle = object | number;

/** The monotonic clock and the one-shot timer the heartbeat loop runs on; tests pass a manual one. */
export interface Scheduler {
  /** ms, monotonic (`performance.now` by default); not the wall clock signatures use */
  now(): number;
  /** calls `fn` once after `ms` */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** cancels a timer not yet fired (a fired or cleared one is ignored) */
  clearTimeout(handle: TimerHandle): void;
}

/** `performance.now` and Node's timers, unref'd: the loop never keeps the process alive. */
export const SYSTEM_SCHEDULER: Scheduler = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** The wait (ms) before the next heartbeat: the cadence counts from each request's start. */
export function nextDelayMs(intervalMs: number, elapsedMs: number): number {
  return Math.max(0, Math.round(intervalMs - elapsedMs));
}

/**
 * The wait (ms) before a heartbeat for a capacity change, given when (scheduler ms) the last one
 * began: zero or less means it may go out now.
 */
export function nudgeDelayMs(lastBeatAt: number, now: number): number {
  return lastBeatAt + NUDGE_MIN_INTERVAL_MS - now;
}

/**
 * The wait (ms) after a heartbeat that began at `began` ended at `now` (scheduler ms): the
 * interval counted from its start, or, when another was asked for meanwhile (`again`: a nudge or
 * `drain()` during the request), the nudge rate limit.
 */
export function delayAfterBeat(beat: {
  began: number;
  now: number;
  intervalMs: number;
  again: boolean;
}): number {
  return beat.again
    ? Math.max(0, nudgeDelayMs(beat.began, beat.now))
    : nextDelayMs(beat.intervalMs, beat.now - beat.began);
}
