/** The pure half of the membership loop: outcomes, state transitions and which ones are logged. */
import { describe, expect, it } from "vitest";
import {
  applyOutcome,
  clampInterval,
  describeError,
  type HeartbeatOutcome,
  initialState,
  JOIN_GRACE_MS,
  MAX_INTERVAL_MS,
  type MembershipState,
  MIN_INTERVAL_MS,
  outcomeFromError,
  outcomeFromResponse,
} from "../../src/membership/transitions.js";

const URL = "http://127.0.0.1:8801";
const T0 = 1_700_000_000_000;

function run(outcomes: [number, HeartbeatOutcome][], state = initialState(1_000, T0)) {
  const logs: (string | undefined)[] = [];
  let current: MembershipState = state;
  for (const [at, outcome] of outcomes) {
    const next = applyOutcome(current, outcome, at, URL);
    current = next.state;
    logs.push(next.log ? `${next.log.level} ${next.log.msg}` : undefined);
  }
  return { state: current, logs };
}

const ok = (intervalMs?: number, hosts?: number): HeartbeatOutcome => ({
  kind: "ok",
  intervalMs,
  hosts,
});
const down: HeartbeatOutcome = { kind: "unreachable", error: "fetch failed", status: undefined };
const rejected = (status: number, code: string): HeartbeatOutcome => ({
  kind: "rejected",
  error: `HTTP ${status} ${code}`,
  status,
  code,
  message: undefined,
});

describe("outcomeFromResponse", () => {
  it("reads an ack, ignoring fields that are missing or malformed", () => {
    expect(outcomeFromResponse(200, '{"ok":true,"intervalMs":500,"ttlMs":1500,"hosts":2}')).toEqual(
      { kind: "ok", intervalMs: 500, hosts: 2 },
    );
    expect(outcomeFromResponse(200, "not json")).toEqual({
      kind: "ok",
      intervalMs: undefined,
      hosts: undefined,
    });
    expect(outcomeFromResponse(204, '{"intervalMs":-1,"hosts":1.5}')).toEqual({
      kind: "ok",
      intervalMs: undefined,
      hosts: undefined,
    });
  });

  it("a 4xx is a rejection with the error body's code and message", () => {
    expect(
      outcomeFromResponse(400, '{"error":{"code":"INVALID_REQUEST","message":"region mismatch"}}'),
    ).toEqual({
      kind: "rejected",
      error: "HTTP 400 INVALID_REQUEST: region mismatch",
      status: 400,
      code: "INVALID_REQUEST",
      message: "region mismatch",
    });
    expect(outcomeFromResponse(404, "")).toMatchObject({ kind: "rejected", error: "HTTP 404" });
  });

  it("5xx, 3xx, 408 and 429 mean the directory is not (yet) there", () => {
    for (const status of [500, 502, 503, 301, 408, 429]) {
      expect(outcomeFromResponse(status, "").kind).toBe("unreachable");
    }
    expect(outcomeFromResponse(503, '{"error":{"code":"SHUTTING_DOWN"}}')).toEqual({
      kind: "unreachable",
      error: "HTTP 503 SHUTTING_DOWN",
      status: 503,
    });
  });
});

describe("describeError", () => {
  it("names the cause of a failed fetch and a timeout", () => {
    const refused = new TypeError("fetch failed", {
      cause: new Error("connect ECONNREFUSED 127.0.0.1:8801"),
    });
    expect(describeError(refused, 2_000)).toBe("fetch failed: connect ECONNREFUSED 127.0.0.1:8801");
    const timeout = new DOMException("The operation timed out.", "TimeoutError");
    expect(outcomeFromError(timeout, 2_000)).toEqual({
      kind: "unreachable",
      error: "no answer within 2000 ms",
      status: undefined,
    });
    expect(describeError("boom", 1)).toBe("boom");
  });
});

describe("applyOutcome", () => {
  it("logs the first join, not the heartbeats after it", () => {
    const { state, logs } = run([
      [T0, ok(500, 2)],
      [T0 + 500, ok(500, 3)],
    ]);
    expect(logs).toEqual(["info joined region directory", undefined]);
    expect(state).toMatchObject({ health: "ok", lastOkAt: T0 + 500, intervalMs: 500, hosts: 3 });
  });

  it("warns once when a joined host loses its directory, and logs the recovery", () => {
    const { state, logs } = run([
      [T0, ok()],
      [T0 + 1, down],
      [T0 + 2, down],
      [T0 + 3, down],
      [T0 + 4, ok()],
    ]);
    expect(logs).toEqual([
      "info joined region directory",
      "warn region directory unreachable",
      undefined,
      undefined,
      "info joined region directory",
    ]);
    expect(state).toMatchObject({ consecutiveFailures: 0, lastError: null, intervalMs: 1_000 });
  });

  it("a host that never joined waits at info, then warns once after the grace period", () => {
    const { state, logs } = run([
      [T0, down],
      [T0 + 1_000, down],
      [T0 + JOIN_GRACE_MS, down],
      [T0 + JOIN_GRACE_MS + 1_000, down],
    ]);
    expect(logs).toEqual([
      "info waiting for region directory",
      undefined,
      "warn region directory unreachable",
      undefined,
    ]);
    expect(state).toMatchObject({ consecutiveFailures: 4, lastError: "fetch failed" });
  });

  it("logs a rejection once, again when it changes, and a switch to unreachable", () => {
    const { logs } = run([
      [T0, rejected(401, "UNAUTHORIZED")],
      [T0 + 1, rejected(401, "UNAUTHORIZED")],
      [T0 + 2, rejected(400, "INVALID_REQUEST")],
      [T0 + 3, down],
      [T0 + 4, rejected(400, "INVALID_REQUEST")],
    ]);
    expect(logs).toEqual([
      "error region directory rejected this host",
      undefined,
      "error region directory rejected this host",
      "warn region directory unreachable",
      "error region directory rejected this host",
    ]);
  });

  it("clamps the interval an ack names", () => {
    expect(run([[T0, ok(0.5)]]).state.intervalMs).toBe(MIN_INTERVAL_MS);
    expect(run([[T0, ok(3_600_000)]]).state.intervalMs).toBe(MAX_INTERVAL_MS);
    expect(clampInterval(50)).toBe(50);
  });
});
