/**
 * The worker tests' clock (the isolate context of `main.ts` runs on it): real time plus however far
 * the tests moved it forward, so a test expires the host list's cache or a host's heartbeat TTL by
 * advancing it instead of sleeping. It never runs behind real time, so the directory's storage
 * alarms (set on this clock, fired on the runtime's) are at worst late, never early.
 */
export class TestClock {
  private offsetMs = 0;

  readonly now = (): number => Date.now() + this.offsetMs;

  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

/** The one `main.ts` uses; the tests share its module instance (main runs in their isolate). */
export const testClock = new TestClock();
