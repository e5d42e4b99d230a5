/**
 * An emulator host's membership in its region's directory (protocol.ts): a loop of signed
 * heartbeats carrying the host's capacity, a `draining` state for a host finishing its jobs, and a
 * signed `leave` when it stops. The directory may start after the host (the local edge's order) or
 * go away for a while: the loop keeps trying at the same interval and logs only transitions
 * (transitions.ts decides which). Requests never overlap; timers never keep the process alive.
 * When each heartbeat goes out is schedule.ts's decision, on its injectable clock and timer.
 */

import type { Capacity } from "@edgevm/contract";
import {
  EdgevmError,
  HEARTBEAT_INTERVAL_MS,
  HEARTBEAT_PATH,
  type HostHeartbeat,
  type HostLeave,
  hostLeaveSchema,
  LEAVE_PATH,
  signRequest,
} from "@edgevm/contract";
import type { Logger } from "@edgevm/observability";
import {
  delayAfterBeat,
  nudgeDelayMs,
  type Scheduler,
  SYSTEM_SCHEDULER,
  type TimerHandle,
} from "./schedule.js";
import {
  applyOutcome,
  describeError,
  type HeartbeatOutcome,
  initialState,
  type MembershipState,
  outcomeFromError,
  outcomeFromResponse,
} from "./transitions.js";

/**
 * How long (ms) one heartbeat may take. The directory is in the same region and answers in
 * milliseconds; 2 s stays under `HOST_TTL_MS` (3 s), so a hung request is abandoned while the host
 * is still listed, and since the cadence counts from each request's start, the next one goes out
 * at once: one slow answer costs one beat, never the membership. Longer than the 1 s interval is
 * safe because requests are chained, never overlapping.
 */
export const HEARTBEAT_TIMEOUT_MS = 2_000;
/**
 * How long (ms) `stop()` waits for the leave answer: shutdown must not hang on a dead directory,
 * which forgets the host after `HOST_TTL_MS` anyway.
 */
export const LEAVE_TIMEOUT_MS = 1_000;

export interface RegionMembershipOptions {
  /** the region Worker's base URL, e.g. `http://127.0.0.1:8801` */
  joinUrl: string;
  /** the region's shared `EMULATOR_SECRET` */
  secret: string;
  /** this host's id in its region */
  host: string;
  region: string;
  /** where the region Worker reaches this host's API */
  url: string;
  capacity: () => Capacity;
  logger: Logger;
  fetch?: typeof fetch;
  /** unix ms; for signatures, `lastOkAt` and the join grace period (default `Date.now`) */
  now?: () => number;
  /** unix ms when this host started (default: construction time) */
  startedAt?: number;
  /** interval (ms) until the first ack names one (default `HEARTBEAT_INTERVAL_MS`) */
  intervalMs?: number;
  /**
   * the monotonic clock and timer heartbeats are scheduled on (default `SYSTEM_SCHEDULER`:
   * `performance.now` and unref'd Node timers); request timeouts stay on real time
   */
  scheduler?: Scheduler;
}

export interface MembershipStatus {
  /** the last heartbeat was accepted (false again after `stop()`) */
  joined: boolean;
  /** unix ms of the last accepted heartbeat */
  lastOkAt: number | null;
  /** what the last failed heartbeat met (cleared by a success) */
  lastError: string | null;
  consecutiveFailures: number;
}

function httpUrl(value: string, name: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new EdgevmError("INVALID_REQUEST", `${name} is not a URL: "${value}"`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new EdgevmError("INVALID_REQUEST", `${name} must be an http(s) URL: "${value}"`);
  }
  return url;
}

export class RegionMembership {
  readonly #options: RegionMembershipOptions;
  readonly #fetch: typeof fetch;
  readonly #now: () => number;
  readonly #scheduler: Scheduler;
  readonly #startedAt: number;
  readonly #heartbeatUrl: URL;
  readonly #leaveUrl: URL;
  #state: MembershipState;
  #draining = false;
  #started = false;
  #stopped = false;
  /** the next heartbeat's timer: none while one is under way, after `stop()`, or before `start()` */
  #timer: TimerHandle | undefined;
  /** the heartbeat under way (never rejects), so the next one waits for it */
  #inFlight: Promise<void> | undefined;
  #abort: AbortController | undefined;
  /** send another heartbeat as soon as the one under way ends (`drain()` during a request) */
  #again = false;
  #stopping: Promise<void> | undefined;
  /** scheduler ms when the last heartbeat began */
  #lastBeatAt = Number.NEGATIVE_INFINITY;

  constructor(options: RegionMembershipOptions) {
    const id = hostLeaveSchema.safeParse({ host: options.host, region: options.region });
    if (!id.success) {
      const issues = id.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
      throw new EdgevmError(
        "INVALID_REQUEST",
        `cannot join a region directory as host "${options.host}" of region "${options.region}": ${issues}`,
      );
    }
    if (options.secret.length === 0) {
      throw new EdgevmError("INVALID_REQUEST", "cannot join a region directory without a secret");
    }
    const base = httpUrl(options.joinUrl, "join URL");
    httpUrl(options.url, "advertised URL");
    this.#options = options;
    const fetcher = options.fetch ?? fetch;
    // called unbound: some fetch implementations reject a `this` other than the global one
    this.#fetch = (input, init) => fetcher(input, init);
    this.#now = options.now ?? Date.now;
    this.#scheduler = options.scheduler ?? SYSTEM_SCHEDULER;
    this.#startedAt = Math.max(0, Math.trunc(options.startedAt ?? this.#now()));
    this.#heartbeatUrl = new URL(HEARTBEAT_PATH, base);
    this.#leaveUrl = new URL(LEAVE_PATH, base);
    this.#state = initialState(options.intervalMs ?? HEARTBEAT_INTERVAL_MS, this.#now());
  }

  /** Sends a heartbeat now, then one every interval until `stop()`. A second call does nothing. */
  start(): void {
    if (this.#started || this.#stopped) return;
    this.#started = true;
    this.#state = { ...this.#state, since: this.#now() };
    this.#run();
  }

  /** From now on heartbeats say `draining` (placement sends nothing new); one goes out at once. */
  drain(): void {
    if (this.#draining) return;
    this.#draining = true;
    if (!this.#started || this.#stopped) return;
    if (this.#inFlight) this.#again = true;
    else this.#run();
  }

  /**
   * This host's capacity just changed (a job started or ended): sends a heartbeat now, or as soon
   * as `NUDGE_MIN_INTERVAL_MS` has passed since the last one, so placement works from numbers a
   * fraction of a second old rather than up to a whole interval.
   */
  nudge(): void {
    if (!this.#started || this.#stopped) return;
    if (this.#inFlight) {
      this.#again = true;
      return;
    }
    const wait = nudgeDelayMs(this.#lastBeatAt, this.#scheduler.now());
    if (wait <= 0) this.#run();
    else this.#schedule(wait);
  }

  /** Stops the loop and leaves the directory (best effort, bounded, never throws). Idempotent. */
  stop(): Promise<void> {
    this.#stopping ??= this.#leave();
    return this.#stopping;
  }

  status(): MembershipStatus {
    const s = this.#state;
    return {
      joined: s.health === "ok" && !this.#stopped,
      lastOkAt: s.lastOkAt,
      lastError: s.lastError,
      consecutiveFailures: s.consecutiveFailures,
    };
  }

  #run(): void {
    this.#cancelTimer();
    const began = this.#scheduler.now();
    this.#lastBeatAt = began;
    this.#inFlight = this.#beat().then(() => {
      this.#inFlight = undefined;
      if (this.#stopped) return;
      const again = this.#again;
      this.#again = false;
      const { intervalMs } = this.#state;
      this.#schedule(delayAfterBeat({ began, now: this.#scheduler.now(), intervalMs, again }));
    });
  }

  /** The next heartbeat goes out in `ms`, instead of when it was due. */
  #schedule(ms: number): void {
    this.#cancelTimer();
    this.#timer = this.#scheduler.setTimeout(() => this.#run(), ms);
  }

  #cancelTimer(): void {
    if (this.#timer !== undefined) this.#scheduler.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** One heartbeat; never rejects. One aborted by `stop()` changes nothing and logs nothing. */
  async #beat(): Promise<void> {
    const abort = new AbortController();
    this.#abort = abort;
    let outcome: HeartbeatOutcome;
    try {
      const body = JSON.stringify(this.#heartbeat());
      const signal = AbortSignal.any([abort.signal, AbortSignal.timeout(HEARTBEAT_TIMEOUT_MS)]);
      const response = await this.#post(this.#heartbeatUrl, body, signal);
      outcome = outcomeFromResponse(response.status, await response.text());
    } catch (err) {
      outcome = outcomeFromError(err, HEARTBEAT_TIMEOUT_MS);
    } finally {
      this.#abort = undefined;
    }
    if (abort.signal.aborted) return;
    const { state, log } = applyOutcome(this.#state, outcome, this.#now(), this.#options.joinUrl);
    this.#state = state;
    if (log) this.#options.logger[log.level](log.msg, log.fields);
  }

  #heartbeat(): HostHeartbeat {
    const { host, region, url } = this.#options;
    return {
      host,
      region,
      url,
      startedAt: this.#startedAt,
      state: this.#draining ? "draining" : "active",
      capacity: this.#options.capacity(),
    };
  }

  async #leave(): Promise<void> {
    const wasStarted = this.#started && !this.#stopped;
    this.#stopped = true;
    this.#cancelTimer();
    this.#abort?.abort();
    await this.#inFlight;
    if (!wasStarted) return;
    const { logger, joinUrl, host, region } = this.#options;
    const joined = this.#state.health === "ok";
    // a directory that never took this host has nothing to forget: its failure is no news
    const failed = (fields: Record<string, unknown>) =>
      joined
        ? logger.warn("leaving region directory failed", { joinUrl, ...fields })
        : logger.debug("leaving region directory failed", { joinUrl, ...fields });
    try {
      const leave: HostLeave = { host, region };
      const signal = AbortSignal.timeout(LEAVE_TIMEOUT_MS);
      const response = await this.#post(this.#leaveUrl, JSON.stringify(leave), signal);
      const outcome = outcomeFromResponse(response.status, await response.text());
      if (outcome.kind === "ok") logger.info("left region directory", { joinUrl });
      else failed({ err: outcome.error, status: outcome.status });
    } catch (err) {
      failed({ err: describeError(err, LEAVE_TIMEOUT_MS) });
    }
  }

  async #post(url: URL, body: string, signal: AbortSignal): Promise<Response> {
    const signed = await signRequest({
      secret: this.#options.secret,
      method: "POST",
      path: url.pathname + url.search,
      body,
      now: this.#now(),
    });
    return this.#fetch(url, {
      method: "POST",
      headers: { ...signed, "content-type": "application/json" },
      body,
      signal,
      // a redirect cannot carry a valid signature, and the signed body stays with the directory
      redirect: "manual",
    });
  }
}
