/** The contract's SSE reader (one parser for every side), and a deadline for tests that stream. */

export { readSse, type SseMessage as SseEvent } from "@edgevm/contract";

/** Rejects after `ms` so a buffering bug fails the test instead of hanging it. */
export function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
