/**
 * Keeps a set of named child services running. A child that exits on its own is restarted after an
 * exponential backoff (`nextBackoff`, reset once a child has run healthily for a while); `stopAll`
 * stops every child and resolves only when each has exited. Signal handling is the CLI's job.
 */
import type { Logger } from "@edgevm/observability";

/** Restart policy: 100 ms doubling to 10 s; 30 s of healthy running forgets earlier crashes. */
export const BACKOFF = {
  initialMs: 100,
  factor: 2,
  maxMs: 10_000,
  /** a child that ran this long before exiting restarts as if it had never crashed */
  resetAfterMs: 30_000,
} as const;

export type BackoffPolicy = { [K in keyof typeof BACKOFF]: number };

/** Delay before restart number `attempt` (0-based count of consecutive failures). */
export function nextBackoff(attempt: number, policy: BackoffPolicy = BACKOFF): number {
  const n = Math.max(0, Math.floor(attempt));
  return Math.min(policy.maxMs, policy.initialMs * policy.factor ** n);
}

/** The consecutive-failure count after a child that ran `uptimeMs` exited. */
export function failuresAfterExit(
  previous: number,
  uptimeMs: number,
  policy: BackoffPolicy = BACKOFF,
): number {
  return uptimeMs >= policy.resetAfterMs ? 0 : previous;
}

/** A running child: enough for the supervisor to watch and stop it. */
export interface ChildHandle {
  readonly pid: number;
  /** resolves when the process has exited, for any reason */
  readonly exited: Promise<unknown>;
  stop(): Promise<unknown>;
}

export interface ChildSpec<H extends ChildHandle> {
  name: string;
  /** starts the child and resolves when it is ready (by protocol), or rejects */
  start(): Promise<H>;
}

export type SupervisorEvent =
  | { type: "started"; name: string; pid: number; restarts: number }
  | { type: "exited"; name: string; pid: number; uptimeMs: number; exit: unknown }
  | { type: "restarting"; name: string; delayMs: number; failures: number }
  | { type: "start-failed"; name: string; error: unknown }
  | { type: "stopped"; name: string };

export interface SupervisorOptions {
  logger: Logger;
  policy?: BackoffPolicy;
  now?: () => number;
}

interface Entry<H extends ChildHandle> {
  spec: ChildSpec<H>;
  handle: H | undefined;
  starting: Promise<H> | undefined;
  failures: number;
  restarts: number;
  /** when the running child became ready (`now()` clock) */
  startedAt: number;
  timer: NodeJS.Timeout | undefined;
  wake: (() => void) | undefined;
  stopped: boolean;
}

export class Supervisor<H extends ChildHandle = ChildHandle> {
  readonly #entries = new Map<string, Entry<H>>();
  readonly #listeners = new Set<(event: SupervisorEvent) => void>();
  readonly #logger: Logger;
  readonly #policy: BackoffPolicy;
  readonly #now: () => number;

  constructor(options: SupervisorOptions) {
    this.#logger = options.logger;
    this.#policy = options.policy ?? BACKOFF;
    this.#now = options.now ?? (() => performance.now());
  }

  /** Subscribes to events; returns the unsubscribe function. */
  on(listener: (event: SupervisorEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The running handle of a child, if it is running now. */
  get(name: string): H | undefined {
    return this.#entries.get(name)?.handle;
  }

  names(): string[] {
    return [...this.#entries.keys()];
  }

  /**
   * Starts a child and supervises it from then on. Resolves with its handle once it is ready; a
   * child whose first start fails is not supervised (the error is the caller's to report).
   */
  async add(spec: ChildSpec<H>): Promise<H> {
    if (this.#entries.has(spec.name)) throw new Error(`child "${spec.name}" already exists`);
    const entry: Entry<H> = {
      spec,
      handle: undefined,
      starting: undefined,
      failures: 0,
      restarts: 0,
      startedAt: 0,
      timer: undefined,
      wake: undefined,
      stopped: false,
    };
    this.#entries.set(spec.name, entry);
    try {
      const handle = await this.#startOnce(entry);
      void this.#watch(entry, handle);
      return handle;
    } catch (err) {
      this.#entries.delete(spec.name);
      throw err;
    }
  }

  /** Stops one child (no restart) and forgets it. */
  async stop(name: string): Promise<void> {
    const entry = this.#entries.get(name);
    if (!entry) return;
    await this.#stopEntry(entry);
    this.#entries.delete(name);
  }

  /** Stops every child, in parallel, and resolves when all of them have exited. */
  async stopAll(): Promise<void> {
    const entries = [...this.#entries.values()];
    await Promise.all(entries.map((entry) => this.#stopEntry(entry)));
    this.#entries.clear();
  }

  async #stopEntry(entry: Entry<H>): Promise<void> {
    entry.stopped = true;
    if (entry.timer) clearTimeout(entry.timer);
    entry.wake?.();
    // A start in flight finishes first; its child is then stopped like a running one.
    if (entry.starting) await entry.starting.catch(() => undefined);
    const handle = entry.handle;
    entry.handle = undefined;
    if (handle) await handle.stop();
    this.#emit({ type: "stopped", name: entry.spec.name });
  }

  async #startOnce(entry: Entry<H>): Promise<H> {
    entry.starting = entry.spec.start();
    try {
      const handle = await entry.starting;
      entry.handle = handle;
      entry.startedAt = this.#now();
      this.#emit({
        type: "started",
        name: entry.spec.name,
        pid: handle.pid,
        restarts: entry.restarts,
      });
      return handle;
    } finally {
      entry.starting = undefined;
    }
  }

  /** Waits for the child to exit and restarts it with backoff until it is stopped. */
  async #watch(entry: Entry<H>, first: H): Promise<void> {
    let handle: H | undefined = first;
    while (!entry.stopped) {
      if (handle) {
        const exit = await handle.exited;
        if (entry.stopped) return;
        const uptimeMs = this.#now() - entry.startedAt;
        entry.handle = undefined;
        entry.failures = failuresAfterExit(entry.failures, uptimeMs, this.#policy);
        this.#emit({ type: "exited", name: entry.spec.name, pid: handle.pid, uptimeMs, exit });
      }
      const delayMs = nextBackoff(entry.failures, this.#policy);
      entry.failures += 1;
      this.#emit({ type: "restarting", name: entry.spec.name, delayMs, failures: entry.failures });
      await this.#delay(entry, delayMs);
      if (entry.stopped) return;
      entry.restarts += 1;
      try {
        handle = await this.#startOnce(entry);
      } catch (error) {
        handle = undefined;
        this.#emit({ type: "start-failed", name: entry.spec.name, error });
      }
      // stopAll may have run while the start was in flight; #stopEntry stops that child.
    }
  }

  #delay(entry: Entry<H>, ms: number): Promise<void> {
    return new Promise((resolve) => {
      entry.wake = () => {
        entry.wake = undefined;
        resolve();
      };
      entry.timer = setTimeout(() => entry.wake?.(), ms);
    });
  }

  #emit(event: SupervisorEvent): void {
    const level = event.type === "started" || event.type === "stopped" ? "info" : "warn";
    const { type, ...fields } = event;
    this.#logger[level](`child ${type}`, fields);
    for (const listener of this.#listeners) listener(event);
  }
}
