import { EdgevmError } from "@edgevm/contract";

/** How long a refused caller should wait before retrying, seconds (sent as Retry-After). */
export const RETRY_AFTER_S = 1;

interface Waiter {
  resolve: (release: () => void) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * Admission control: at most `slots` jobs run at once, at most `maxQueue` wait, and none waits
 * longer than `queueTimeoutMs`. Past that the caller gets a typed error with Retry-After, never a
 * hang. Waiters are served first come, first served.
 */
export class Admission {
  private busy = 0;
  private readonly queue: Waiter[] = [];

  constructor(
    private readonly slots: number,
    private readonly maxQueue: number,
    private readonly queueTimeoutMs: number,
  ) {}

  get stats(): { total: number; busy: number; free: number; queued: number; maxQueue: number } {
    return {
      total: this.slots,
      busy: this.busy,
      free: this.slots - this.busy,
      queued: this.queue.length,
      maxQueue: this.maxQueue,
    };
  }

  /** Resolves with a release function once a slot is ours. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (this.busy < this.slots && this.queue.length === 0) return Promise.resolve(this.take());
    if (this.queue.length >= this.maxQueue) {
      return Promise.reject(
        new EdgevmError(
          "QUEUE_FULL",
          `all ${this.slots} VM slots are busy and ${this.maxQueue} jobs are queued`,
          {
            retryAfterS: RETRY_AFTER_S,
          },
        ),
      );
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.remove(waiter);
          reject(
            new EdgevmError(
              "NO_CAPACITY",
              `no VM slot became free within ${this.queueTimeoutMs} ms`,
              {
                retryAfterS: RETRY_AFTER_S,
              },
            ),
          );
        }, this.queueTimeoutMs),
      };
      signal?.addEventListener("abort", () => {
        if (this.remove(waiter))
          reject(new EdgevmError("INTERNAL", "the caller went away while queued"));
      });
      this.queue.push(waiter);
    });
  }

  private take(): () => void {
    this.busy++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.busy--;
      this.next();
    };
  }

  private next(): void {
    const waiter = this.queue.shift();
    if (!waiter) return;
    clearTimeout(waiter.timer);
    waiter.resolve(this.take());
  }

  private remove(waiter: Waiter): boolean {
    const index = this.queue.indexOf(waiter);
    if (index < 0) return false;
    this.queue.splice(index, 1);
    clearTimeout(waiter.timer);
    return true;
  }

  /** Rejects every waiter (shutdown). */
  rejectAll(err: Error): void {
    for (const waiter of this.queue.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(err);
    }
  }
}
