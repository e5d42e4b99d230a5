import { EdgevmError } from "@edgevm/contract";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Admission, RETRY_AFTER_S } from "../../src/jobs/admission.js";

/** Settles a promise into a tagged result so ordering can be asserted without racing timers. */
function track<T>(promise: Promise<T>): {
  settled: () => boolean;
  value: () => T | undefined;
  error: () => unknown;
} {
  let done = false;
  let value: T | undefined;
  let error: unknown;
  promise.then(
    (v) => {
      done = true;
      value = v;
    },
    (e: unknown) => {
      done = true;
      error = e;
    },
  );
  return { settled: () => done, value: () => value, error: () => error };
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("Admission", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("admits immediately while slots are free and tracks stats", async () => {
    const admission = new Admission(2, 4, 1_000);
    expect(admission.stats).toEqual({ total: 2, busy: 0, free: 2, queued: 0, maxQueue: 4 });
    const r1 = await admission.acquire();
    const r2 = await admission.acquire();
    expect(admission.stats).toMatchObject({ busy: 2, free: 0, queued: 0 });
    r1();
    r2();
    expect(admission.stats).toMatchObject({ busy: 0, free: 2, queued: 0 });
  });

  it("queues when full and serves waiters first come, first served", async () => {
    const admission = new Admission(1, 4, 10_000);
    const release = await admission.acquire();
    const order: string[] = [];
    const a = admission.acquire().then((r) => {
      order.push("a");
      return r;
    });
    const b = admission.acquire().then((r) => {
      order.push("b");
      return r;
    });
    const c = admission.acquire().then((r) => {
      order.push("c");
      return r;
    });
    await flush();
    expect(order).toEqual([]);
    expect(admission.stats).toMatchObject({ busy: 1, queued: 3 });

    release();
    const ra = await a;
    await flush();
    expect(order).toEqual(["a"]);
    expect(admission.stats).toMatchObject({ busy: 1, queued: 2 });

    ra();
    const rb = await b;
    rb();
    const rc = await c;
    expect(order).toEqual(["a", "b", "c"]);
    rc();
    expect(admission.stats).toMatchObject({ busy: 0, free: 1, queued: 0 });
  });

  it("a newcomer does not jump the queue when a slot frees while others wait", async () => {
    const admission = new Admission(1, 4, 10_000);
    const release = await admission.acquire();
    const first = track(admission.acquire());
    release(); // the slot goes to `first` synchronously
    const second = track(admission.acquire());
    await flush();
    expect(first.settled()).toBe(true);
    expect(second.settled()).toBe(false);
    first.value()?.();
    await flush();
    expect(second.settled()).toBe(true);
    second.value()?.();
  });

  it("rejects with QUEUE_FULL (retryAfterS) when the queue is full", async () => {
    const admission = new Admission(1, 2, 10_000);
    const release = await admission.acquire();
    const waiters = [admission.acquire(), admission.acquire()];
    const err = await admission.acquire().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EdgevmError);
    expect((err as EdgevmError).code).toBe("QUEUE_FULL");
    expect((err as EdgevmError).retryAfterS).toBe(RETRY_AFTER_S);
    expect(admission.stats.queued).toBe(2);
    admission.rejectAll(new Error("shutdown"));
    await Promise.allSettled(waiters);
    release();
  });

  it("maxQueue 0 refuses at once when all slots are busy", async () => {
    const admission = new Admission(1, 0, 10_000);
    const release = await admission.acquire();
    await expect(admission.acquire()).rejects.toMatchObject({ code: "QUEUE_FULL" });
    release();
    const again = await admission.acquire();
    again();
  });

  it("rejects with NO_CAPACITY after queueTimeoutMs and drops the waiter", async () => {
    vi.useFakeTimers();
    const admission = new Admission(1, 4, 500);
    const release = await admission.acquire();
    const waiting = track(admission.acquire());
    await vi.advanceTimersByTimeAsync(499);
    expect(waiting.settled()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(waiting.settled()).toBe(true);
    const err = waiting.error() as EdgevmError;
    expect(err).toBeInstanceOf(EdgevmError);
    expect(err.code).toBe("NO_CAPACITY");
    expect(err.retryAfterS).toBe(RETRY_AFTER_S);
    expect(admission.stats.queued).toBe(0);
    // the timed-out waiter does not take the slot when it frees
    release();
    expect(admission.stats).toMatchObject({ busy: 0, free: 1 });
  });

  it("a waiter served before its timeout is not rejected later", async () => {
    vi.useFakeTimers();
    const admission = new Admission(1, 4, 500);
    const release = await admission.acquire();
    const waiting = track(admission.acquire());
    await vi.advanceTimersByTimeAsync(100);
    release();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(waiting.error()).toBeUndefined();
    expect(typeof waiting.value()).toBe("function");
    expect(admission.stats.busy).toBe(1);
    waiting.value()?.();
  });

  it("releasing twice is harmless", async () => {
    const admission = new Admission(2, 4, 1_000);
    const r1 = await admission.acquire();
    const r2 = await admission.acquire();
    r1();
    r1();
    r1();
    expect(admission.stats).toMatchObject({ busy: 1, free: 1 });
    // a double release must not hand out a second slot to a waiter
    const r3 = await admission.acquire();
    const waiting = track(admission.acquire());
    r1();
    await flush();
    expect(waiting.settled()).toBe(false);
    expect(admission.stats).toMatchObject({ busy: 2, queued: 1 });
    r2();
    await flush();
    expect(waiting.settled()).toBe(true);
    r3();
    waiting.value()?.();
    expect(admission.stats).toMatchObject({ busy: 0, free: 2, queued: 0 });
  });

  it("an aborted waiter is removed from the queue and rejected", async () => {
    const admission = new Admission(1, 4, 10_000);
    const release = await admission.acquire();
    const controller = new AbortController();
    const aborted = track(admission.acquire(controller.signal));
    const next = track(admission.acquire());
    expect(admission.stats.queued).toBe(2);
    controller.abort();
    await flush();
    expect(aborted.settled()).toBe(true);
    expect(aborted.error()).toBeInstanceOf(EdgevmError);
    expect(admission.stats.queued).toBe(1);
    // the slot skips the aborted waiter
    release();
    await flush();
    expect(next.settled()).toBe(true);
    expect(next.error()).toBeUndefined();
    next.value()?.();
    expect(admission.stats).toMatchObject({ busy: 0, queued: 0 });
  });

  it("aborting after being admitted changes nothing", async () => {
    const admission = new Admission(1, 4, 10_000);
    const release = await admission.acquire();
    const controller = new AbortController();
    const waiting = admission.acquire(controller.signal);
    release();
    const r = await waiting;
    controller.abort();
    await flush();
    expect(admission.stats).toMatchObject({ busy: 1, queued: 0 });
    r();
  });

  it("rejectAll rejects every waiter with the given error and leaves running jobs alone", async () => {
    const admission = new Admission(1, 4, 10_000);
    const release = await admission.acquire();
    const waiters = [admission.acquire(), admission.acquire(), admission.acquire()];
    const shutdown = new EdgevmError("SHUTTING_DOWN", "bye");
    admission.rejectAll(shutdown);
    const results = await Promise.allSettled(waiters);
    for (const r of results) {
      expect(r.status).toBe("rejected");
      if (r.status === "rejected") expect(r.reason).toBe(shutdown);
    }
    expect(admission.stats).toMatchObject({ busy: 1, queued: 0 });
    release();
    expect(admission.stats).toMatchObject({ busy: 0, free: 1 });
  });

  it("rejectAll clears the waiters' timers (no late NO_CAPACITY)", async () => {
    vi.useFakeTimers();
    const admission = new Admission(1, 4, 100);
    const release = await admission.acquire();
    const waiting = admission.acquire();
    const caught = waiting.catch((e: unknown) => e);
    admission.rejectAll(new Error("stop"));
    expect(vi.getTimerCount()).toBe(0);
    expect(((await caught) as Error).message).toBe("stop");
    release();
  });
});
