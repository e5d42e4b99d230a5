/**
 * RegionMembership against a real HTTP directory stand-in (fake-directory.ts) that verifies every
 * signature and body: the heartbeat loop, its cadence, failure handling and logging, drain, leave.
 */

import { EdgevmError } from "@edgevm/contract";
import { createLogger, type Logger } from "@edgevm/observability";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  HEARTBEAT_PATH,
  JOIN_GRACE_MS,
  LEAVE_PATH,
  NUDGE_MIN_INTERVAL_MS,
  RegionMembership,
  type RegionMembershipOptions,
} from "../../src/membership/index.js";
import {
  ack,
  checkedResponder,
  errorAnswer,
  FakeDirectory,
  fakeCapacity,
  SECRET,
  sleep,
  waitFor,
} from "./fake-directory.js";

interface Line {
  level: string;
  msg: string;
  [field: string]: unknown;
}

let directory: FakeDirectory;
let lines: Line[];
let logger: Logger;
const memberships: RegionMembership[] = [];

beforeEach(async () => {
  directory = new FakeDirectory();
  await directory.listen();
  lines = [];
  logger = createLogger({ level: "debug", sink: (line) => lines.push(JSON.parse(line) as Line) });
});

afterEach(async () => {
  await Promise.all(memberships.splice(0).map((m) => m.stop()));
  await directory.close();
});

function membership(overrides: Partial<RegionMembershipOptions> = {}): RegionMembership {
  const m = new RegionMembership({
    joinUrl: directory.url,
    secret: SECRET,
    host: "eu-west-1",
    region: "eu-west",
    url: "http://127.0.0.1:8791",
    capacity: fakeCapacity,
    logger,
    startedAt: 1_700_000_000_000,
    ...overrides,
  });
  memberships.push(m);
  return m;
}

const logged = (msg: string): Line[] => lines.filter((line) => line.msg === msg);

describe("RegionMembership", () => {
  it("sends a signed heartbeat at once, with this host's identity and capacity", async () => {
    const m = membership();
    const before = Date.now();
    m.start();
    await waitFor(() => m.status().joined);
    expect(directory.received).toHaveLength(1);
    const [first] = directory.received;
    expect(first?.path).toBe(HEARTBEAT_PATH);
    expect(first?.at).toBeLessThan(before + 500);
    expect(first?.signed).toBe(true);
    expect(first?.valid).toBe(true);
    expect(first?.contentType).toBe("application/json");
    expect(first?.body).toEqual({
      host: "eu-west-1",
      region: "eu-west",
      url: "http://127.0.0.1:8791",
      startedAt: 1_700_000_000_000,
      state: "active",
      capacity: fakeCapacity(),
    });
    const status = m.status();
    expect(status.lastOkAt).toBeGreaterThanOrEqual(before);
    expect(status).toMatchObject({ joined: true, lastError: null, consecutiveFailures: 0 });
    expect(logged("joined region directory")).toEqual([
      expect.objectContaining({ level: "info", joinUrl: directory.url, hosts: 1 }),
    ]);
  });

  it("sends heartbeats every intervalMs of the last ack, never overlapping", async () => {
    let inFlight = 0;
    let overlapped = false;
    directory.respond = checkedResponder(() => {
      inFlight++;
      if (inFlight > 1) overlapped = true;
      setTimeout(() => inFlight--, 20);
      return { ...ack(50), delayMs: 20 };
    });
    const m = membership();
    const started = Date.now();
    m.start();
    await waitFor(() => directory.heartbeats().length >= 6);
    // the default interval (1 s) would have taken 5 s
    expect(Date.now() - started).toBeLessThan(1_000);
    const at = directory.heartbeats().map((r) => r.at);
    for (let i = 1; i < at.length; i++) {
      expect((at[i] ?? 0) - (at[i - 1] ?? 0)).toBeGreaterThanOrEqual(25);
    }
    expect(overlapped).toBe(false);
    expect(logged("joined region directory")).toHaveLength(1);
  });

  it("keeps retrying at the same interval while the directory answers 503, warning once", async () => {
    const m = membership();
    directory.respond = checkedResponder(() => ack(50, 2));
    m.start();
    await waitFor(() => m.status().joined);
    directory.respond = checkedResponder(() =>
      errorAnswer(503, "SHUTTING_DOWN", "directory restarting"),
    );
    await waitFor(() => m.status().consecutiveFailures >= 4);
    const status = m.status();
    expect(status.joined).toBe(false);
    expect(status.lastError).toBe("HTTP 503 SHUTTING_DOWN: directory restarting");
    expect(logged("region directory unreachable")).toEqual([
      expect.objectContaining({ level: "warn", joinUrl: directory.url, status: 503 }),
    ]);

    directory.respond = checkedResponder(() => ack(50, 3));
    await waitFor(() => m.status().joined);
    expect(m.status()).toMatchObject({ lastError: null, consecutiveFailures: 0 });
    expect(logged("joined region directory").map((l) => l.hosts)).toEqual([2, 3]);
    expect(logged("region directory unreachable")).toHaveLength(1);
  });

  it("keeps retrying while the directory is down and rejoins when it is back", async () => {
    directory.respond = checkedResponder(() => ack(50));
    const m = membership();
    m.start();
    await waitFor(() => m.status().joined);
    await directory.close();
    await waitFor(() => m.status().consecutiveFailures >= 3);
    expect(m.status().joined).toBe(false);
    expect(m.status().lastError).toMatch(/ECONNREFUSED/);
    expect(logged("region directory unreachable")).toHaveLength(1);
    expect(logged("region directory unreachable")[0]?.err).toMatch(/ECONNREFUSED/);

    await directory.listen();
    await waitFor(() => m.status().joined);
    expect(logged("joined region directory")).toHaveLength(2);
    expect(logged("region directory unreachable")).toHaveLength(1);
  });

  it("waits quietly for a directory that is not up yet, then warns after the grace period", async () => {
    await directory.close();
    let skewMs = 0;
    const m = membership({ intervalMs: 30, now: () => Date.now() + skewMs });
    m.start();
    await waitFor(() => m.status().consecutiveFailures >= 3);
    expect(logged("waiting for region directory")).toHaveLength(1);
    expect(logged("region directory unreachable")).toHaveLength(0);

    skewMs = JOIN_GRACE_MS;
    const failures = m.status().consecutiveFailures;
    await waitFor(() => m.status().consecutiveFailures >= failures + 3);
    expect(logged("region directory unreachable")).toHaveLength(1);
    expect(logged("waiting for region directory")).toHaveLength(1);

    skewMs = 0;
    await directory.listen();
    await waitFor(() => m.status().joined);
    expect(logged("joined region directory")).toHaveLength(1);
  });

  it("logs a rejection (4xx) once per transition, with the directory's code, and keeps retrying", async () => {
    const m = membership({ secret: "not-the-region-secret", intervalMs: 30 });
    m.start();
    await waitFor(() => m.status().consecutiveFailures >= 3);
    expect(directory.heartbeats().every((r) => !r.signed)).toBe(true);
    expect(m.status()).toMatchObject({
      joined: false,
      lastError: "HTTP 401 UNAUTHORIZED: request signature does not match",
    });
    expect(logged("region directory rejected this host")).toEqual([
      expect.objectContaining({
        level: "error",
        joinUrl: directory.url,
        status: 401,
        code: "UNAUTHORIZED",
        message: "request signature does not match",
      }),
    ]);

    // a different rejection is news
    directory.respond = () => errorAnswer(400, "INVALID_REQUEST", "region mismatch");
    await waitFor(() => m.status().lastError?.includes("region mismatch") === true);
    const failures = m.status().consecutiveFailures;
    await waitFor(() => m.status().consecutiveFailures >= failures + 2);
    expect(logged("region directory rejected this host").map((l) => l.code)).toEqual([
      "UNAUTHORIZED",
      "INVALID_REQUEST",
    ]);
    expect(logged("region directory unreachable")).toHaveLength(0);
  });

  it("nudge() sends a heartbeat soon after a capacity change, at most one per NUDGE_MIN_INTERVAL_MS", async () => {
    const m = membership();
    m.start();
    await waitFor(() => directory.heartbeats().length === 1);
    // the interval is 1 s: without the nudges only the first heartbeat would come this soon
    const t0 = Date.now();
    for (let i = 0; i < 10; i++) {
      m.nudge();
      await sleep(30);
    }
    await waitFor(() => directory.heartbeats().length >= 3, 800);
    const at = directory.heartbeats().map((r) => r.at);
    expect((at[1] ?? 0) - t0).toBeLessThan(NUDGE_MIN_INTERVAL_MS + 150);
    for (let i = 2; i < at.length; i++) {
      expect((at[i] ?? 0) - (at[i - 1] ?? 0)).toBeGreaterThanOrEqual(NUDGE_MIN_INTERVAL_MS - 20);
    }
    // ten nudges within 300 ms: a few heartbeats, not ten
    expect(directory.heartbeats().length).toBeLessThanOrEqual(4);
  });

  it("drain() switches heartbeats to draining and sends one at once", async () => {
    const m = membership();
    m.start();
    await waitFor(() => directory.heartbeats().length === 1);
    m.drain();
    await waitFor(() => directory.heartbeats().length === 2, 500);
    expect(directory.heartbeats().map((r) => (r.body as { state: string }).state)).toEqual([
      "active",
      "draining",
    ]);
    m.drain(); // already draining: nothing more
    await sleep(50);
    expect(directory.heartbeats()).toHaveLength(2);
  });

  it("drain() during a heartbeat sends the draining one right after it, not alongside", async () => {
    directory.respond = checkedResponder(() => ({ ...ack(60_000), delayMs: 100 }));
    const m = membership();
    m.start();
    await waitFor(() => directory.heartbeats().length === 1);
    m.drain();
    await sleep(30);
    expect(directory.heartbeats()).toHaveLength(1);
    await waitFor(() => directory.heartbeats().length === 2, 1_000);
    const [first, second] = directory.heartbeats();
    expect(second?.body).toMatchObject({ state: "draining" });
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(90);
  });

  it("stop() leaves the directory (signed) and ends the loop; a second stop() does nothing", async () => {
    directory.respond = checkedResponder(() => ack(30));
    const m = membership();
    m.start();
    await waitFor(() => directory.heartbeats().length >= 3);
    await m.stop();
    const last = directory.received.at(-1);
    expect(last?.path).toBe(LEAVE_PATH);
    expect(last).toMatchObject({
      signed: true,
      valid: true,
      contentType: "application/json",
      body: { host: "eu-west-1", region: "eu-west" },
    });
    expect(m.status().joined).toBe(false);
    expect(logged("left region directory")).toHaveLength(1);
    const count = directory.received.length;
    await m.stop();
    m.start();
    m.drain();
    await sleep(150);
    expect(directory.received).toHaveLength(count);
    expect(directory.leaves()).toHaveLength(1);
  });

  it("stop() aborts a heartbeat under way and sends leave after it", async () => {
    directory.respond = checkedResponder(() => ({ ...ack(60_000), delayMs: 1_000 }));
    const m = membership();
    m.start();
    await waitFor(() => directory.heartbeats().length === 1);
    const started = Date.now();
    await m.stop();
    expect(Date.now() - started).toBeLessThan(500);
    expect(directory.leaves()).toHaveLength(1);
    // the aborted heartbeat is neither a success nor a failure
    expect(m.status()).toMatchObject({ joined: false, lastError: null, consecutiveFailures: 0 });
  });

  it("stop() never throws when the directory is gone", async () => {
    const m = membership();
    m.start();
    await waitFor(() => m.status().joined);
    await directory.close();
    await expect(m.stop()).resolves.toBeUndefined();
    expect(logged("leaving region directory failed")).toEqual([
      expect.objectContaining({ level: "warn", err: expect.stringMatching(/ECONNREFUSED/) }),
    ]);
  });

  it("stop() before start() sends nothing", async () => {
    const m = membership();
    await m.stop();
    m.start();
    await sleep(50);
    expect(directory.received).toHaveLength(0);
  });

  it("rejects an identity the directory could never accept, or a bad URL", () => {
    const invalid = (overrides: Partial<RegionMembershipOptions>) => {
      let caught: unknown;
      try {
        membership(overrides);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(EdgevmError);
      expect((caught as EdgevmError).code).toBe("INVALID_REQUEST");
    };
    invalid({ host: "has spaces" });
    invalid({ region: "" });
    invalid({ joinUrl: "not a url" });
    invalid({ joinUrl: "ftp://127.0.0.1/" });
    invalid({ url: "unix:/run/edgevm.sock" });
    invalid({ secret: "" });
  });
});
