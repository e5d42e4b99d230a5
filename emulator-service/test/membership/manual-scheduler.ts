/**
 * A `Scheduler` whose time moves only when the test says: timers fire, in order, from `advance`.
 * Real I/O (the fake directory, fetch, request timeouts) keeps running on real time meanwhile.
 */
import type { Scheduler, TimerHandle } from "../../src/membership/index.js";

interface Timer {
  at: number;
  fn: () => void;
}

export class ManualScheduler implements Scheduler {
  #now = 0;
  #nextId = 1;
  readonly #timers = new Map<number, Timer>();

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.#nextId++;
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    if (typeof handle === "number") this.#timers.delete(handle);
  }

  /** Timers set and not yet fired or cleared. */
  pending(): number {
    return this.#timers.size;
  }

  /** ms until the earliest pending timer fires (undefined when none is pending). */
  nextDelay(): number | undefined {
    let earliest: number | undefined;
    for (const timer of this.#timers.values()) {
      if (earliest === undefined || timer.at < earliest) earliest = timer.at;
    }
    return earliest === undefined ? undefined : earliest - this.#now;
  }

  /** Moves time on by `ms`, firing every timer due on the way at its own time, in order. */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      let due: [number, Timer] | undefined;
      for (const entry of this.#timers) {
        if (entry[1].at <= end && (due === undefined || entry[1].at < due[1].at)) due = entry;
      }
      if (!due) break;
      this.#timers.delete(due[0]);
      this.#now = due[1].at;
      due[1].fn();
    }
    this.#now = end;
  }
}
