/**
 * The pure half of `RegionMembership`: what one heartbeat's answer means, how it changes the host's
 * view of its membership, and which single log line (if any) the change deserves. Logging happens
 * on transitions only, so a directory that is down for an hour costs one line, not 3,600.
 */

import type { LogFields } from "@edgevm/observability";

/**
 * How long (ms) a host that has never joined waits quietly for its directory before warning: the
 * local edge starts every host before workerd, which takes a few seconds to come up.
 */
export const JOIN_GRACE_MS = 10_000;
/** Shortest interval (ms) taken from an ack: a buggy directory cannot make the loop a busy loop. */
export const MIN_INTERVAL_MS = 20;
/** Longest interval (ms) taken from an ack: a buggy directory cannot silence a host for long. */
export const MAX_INTERVAL_MS = 60_000;

/** 4xx answers that mean "later", not "never": retried quietly like an unreachable directory. */
const TRANSIENT_STATUSES: ReadonlySet<number> = new Set([408, 425, 429]);

export type HeartbeatOutcome =
  | { kind: "ok"; intervalMs: number | undefined; hosts: number | undefined }
  /** network error, timeout, 5xx, 408/429: the directory may come (back) */
  | { kind: "unreachable"; error: string; status: number | undefined }
  /** any other 4xx: the directory answered and refused this host (secret, region, body) */
  | {
      kind: "rejected";
      error: string;
      status: number;
      code: string | undefined;
      message: string | undefined;
    };

/**
 * `waiting`: never joined, failing within `JOIN_GRACE_MS` of the first attempt (logged at info);
 * `unreachable` and `rejected` are failures that were reported as such.
 */
export type Health = "unknown" | "ok" | "waiting" | "unreachable" | "rejected";

export interface MembershipState {
  health: Health;
  /** `status code` of the rejection last reported, so a different rejection is reported again */
  rejection: string | null;
  /** unix ms of the loop's start (the grace period counts from here) */
  since: number;
  lastOkAt: number | null;
  lastError: string | null;
  consecutiveFailures: number;
  /** delay (ms) between heartbeat starts: the last ack's, clamped */
  intervalMs: number;
  /** live hosts in the region, as of the last ack */
  hosts: number | null;
}

export interface LogLine {
  level: "info" | "warn" | "error";
  msg: string;
  fields: LogFields;
}

export function initialState(intervalMs: number, now: number): MembershipState {
  return {
    health: "unknown",
    rejection: null,
    since: now,
    lastOkAt: null,
    lastError: null,
    consecutiveFailures: 0,
    intervalMs: clampInterval(intervalMs),
    hosts: null,
  };
}

export function clampInterval(ms: number): number {
  return Math.min(MAX_INTERVAL_MS, Math.max(MIN_INTERVAL_MS, Math.round(ms)));
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function field(value: unknown, key: string): unknown {
  return typeof value === "object" && value !== null
    ? (value as Record<string, unknown>)[key]
    : undefined;
}

function positive(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : undefined;
}

function count(value: unknown): number | undefined {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 ? value : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value.length > 0 ? value.slice(0, 500) : undefined;
}

/** An HTTP answer (status, body text) as an outcome; error bodies are `{error: {code, message}}`. */
export function outcomeFromResponse(status: number, body: string): HeartbeatOutcome {
  const json = parseJson(body);
  if (status >= 200 && status < 300) {
    return {
      kind: "ok",
      intervalMs: positive(field(json, "intervalMs")),
      hosts: count(field(json, "hosts")),
    };
  }
  const error = field(json, "error");
  const code = text(field(error, "code"));
  const message = text(field(error, "message"));
  const summary = `HTTP ${status}${code ? ` ${code}` : ""}${message ? `: ${message}` : ""}`;
  if (status >= 400 && status < 500 && !TRANSIENT_STATUSES.has(status)) {
    return { kind: "rejected", error: summary, status, code, message };
  }
  return { kind: "unreachable", error: summary, status };
}

/** A thrown fetch error as an outcome: `fetch failed: connect ECONNREFUSED …`, a timeout, … */
export function outcomeFromError(err: unknown, timeoutMs: number): HeartbeatOutcome {
  return { kind: "unreachable", error: describeError(err, timeoutMs), status: undefined };
}

export function describeError(err: unknown, timeoutMs: number): string {
  if (!(err instanceof Error)) return String(err);
  if (err.name === "TimeoutError") return `no answer within ${timeoutMs} ms`;
  const cause = err.cause instanceof Error ? err.cause.message : undefined;
  return cause && cause !== err.message ? `${err.message}: ${cause}` : err.message;
}

/** The state after one heartbeat's outcome, and the line to log when it is a transition. */
export function applyOutcome(
  state: MembershipState,
  outcome: HeartbeatOutcome,
  now: number,
  joinUrl: string,
): { state: MembershipState; log: LogLine | undefined } {
  if (outcome.kind === "ok") {
    const next: MembershipState = {
      ...state,
      health: "ok",
      rejection: null,
      lastOkAt: now,
      lastError: null,
      consecutiveFailures: 0,
      intervalMs:
        outcome.intervalMs === undefined ? state.intervalMs : clampInterval(outcome.intervalMs),
      hosts: outcome.hosts ?? state.hosts,
    };
    const log: LogLine | undefined =
      state.health === "ok"
        ? undefined
        : { level: "info", msg: "joined region directory", fields: { joinUrl, hosts: next.hosts } };
    return { state: next, log };
  }
  const failed: MembershipState = {
    ...state,
    lastError: outcome.error,
    consecutiveFailures: state.consecutiveFailures + 1,
  };
  if (outcome.kind === "rejected") {
    const rejection = `${outcome.status} ${outcome.code ?? ""}`.trim();
    const next: MembershipState = { ...failed, health: "rejected", rejection };
    if (state.health === "rejected" && state.rejection === rejection) {
      return { state: next, log: undefined };
    }
    return {
      state: next,
      log: {
        level: "error",
        msg: "region directory rejected this host",
        fields: { joinUrl, status: outcome.status, code: outcome.code, message: outcome.message },
      },
    };
  }
  const fields: LogFields = { joinUrl, err: outcome.error, status: outcome.status };
  const unreachable: LogLine = { level: "warn", msg: "region directory unreachable", fields };
  switch (state.health) {
    case "unknown":
      if (now - state.since >= JOIN_GRACE_MS) {
        return { state: { ...failed, health: "unreachable", rejection: null }, log: unreachable };
      }
      return {
        state: { ...failed, health: "waiting" },
        log: { level: "info", msg: "waiting for region directory", fields },
      };
    case "waiting":
      if (now - state.since < JOIN_GRACE_MS) return { state: failed, log: undefined };
      return { state: { ...failed, health: "unreachable" }, log: unreachable };
    case "unreachable":
      return { state: failed, log: undefined };
    case "ok":
    case "rejected":
      return { state: { ...failed, health: "unreachable", rejection: null }, log: unreachable };
  }
}
