/**
 * Per-isolate region health, cached in memory. Two sources:
 * - probes: `GET <region>/healthz`, started lazily by requests, at most one per region every
 *   HEALTH_PROBE_INTERVAL_MS (no timers keep running between requests);
 * - request failures: a region that could not be reached, or answered as unavailable, is marked
 *   unhealthy for FAILURE_COOLDOWN_MS; an unreachable one also stays unhealthy until a probe
 *   succeeds again.
 * A region nothing is known about yet counts as healthy.
 */

export type FetchLike = (request: Request) => Promise<Response>;

/** Probes of one region are started at most this often (per isolate). */
export const HEALTH_PROBE_INTERVAL_MS = 3_000;
/** A probe without an answer by then counts as failed. */
export const HEALTH_PROBE_TIMEOUT_MS = 1_000;
/** A region that failed a request is skipped (tried last) for this long. */
export const FAILURE_COOLDOWN_MS = 5_000;

interface RegionHealth {
  probeOk?: boolean;
  probedAt?: number;
  probe?: Promise<boolean>;
  failedUntil?: number;
  reason?: string;
}

export interface HealthOptions {
  fetch: FetchLike;
  now?: () => number;
  intervalMs?: number;
  timeoutMs?: number;
  cooldownMs?: number;
}

export class HealthTracker {
  readonly #state = new Map<string, RegionHealth>();
  readonly #fetch: FetchLike;
  readonly #now: () => number;
  readonly #intervalMs: number;
  readonly #timeoutMs: number;
  readonly cooldownMs: number;

  constructor(options: HealthOptions) {
    this.#fetch = options.fetch;
    this.#now = options.now ?? Date.now;
    this.#intervalMs = options.intervalMs ?? HEALTH_PROBE_INTERVAL_MS;
    this.#timeoutMs = options.timeoutMs ?? HEALTH_PROBE_TIMEOUT_MS;
    this.cooldownMs = options.cooldownMs ?? FAILURE_COOLDOWN_MS;
  }

  #get(name: string): RegionHealth {
    let state = this.#state.get(name);
    if (!state) {
      state = {};
      this.#state.set(name, state);
    }
    return state;
  }

  isHealthy(name: string): boolean {
    const s = this.#state.get(name);
    if (!s) return true;
    if (s.failedUntil !== undefined && s.failedUntil > this.#now()) return false;
    return s.probeOk !== false;
  }

  /** Why a region is unhealthy (last failure), if it is. */
  reason(name: string): string | undefined {
    return this.isHealthy(name)
      ? undefined
      : (this.#state.get(name)?.reason ?? "health probe failed");
  }

  snapshot(names: readonly string[]): Map<string, boolean> {
    return new Map(names.map((n) => [n, this.isHealthy(n)]));
  }

  /** A request to `name` failed; `unreachable` when it could not be connected to at all. */
  markFailed(name: string, reason: string, unreachable: boolean): void {
    const s = this.#get(name);
    s.failedUntil = this.#now() + this.cooldownMs;
    s.reason = reason;
    if (unreachable) s.probeOk = false;
  }

  /** Starts the probes that are due (interval elapsed, none in flight); resolves when they end. */
  refresh(regions: ReadonlyArray<{ name: string; url: string }>): Promise<void> {
    const now = this.#now();
    const running: Promise<boolean>[] = [];
    for (const region of regions) {
      const s = this.#get(region.name);
      if (s.probe) running.push(s.probe);
      else if (s.probedAt === undefined || now - s.probedAt >= this.#intervalMs)
        running.push(this.probe(region));
    }
    return Promise.all(running).then(() => undefined);
  }

  /** Probes one region now (joining a probe in flight); resolves with the outcome. */
  probe(region: { name: string; url: string }): Promise<boolean> {
    const s = this.#get(region.name);
    if (s.probe) return s.probe;
    s.probedAt = this.#now();
    const request = new Request(`${region.url}/healthz`, {
      signal: AbortSignal.timeout(this.#timeoutMs),
    });
    const probe = this.#fetch(request)
      .then(async (res) => {
        await res.body?.cancel().catch(() => {});
        if (!res.ok) s.reason = `/healthz answered ${res.status}`;
        return res.ok;
      })
      .catch((err: unknown) => {
        s.reason = `/healthz failed: ${err instanceof Error ? err.message : String(err)}`;
        return false;
      })
      .then((ok) => {
        s.probeOk = ok;
        s.probe = undefined;
        return ok;
      });
    s.probe = probe;
    return probe;
  }
}
