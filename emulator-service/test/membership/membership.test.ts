/**
 * RegionMembership against a real HTTP directory stand-in (fake-directory.ts) that verifies every
 * signature and body: the heartbeat loop, its cadence, failure handling and logging, drain, leave.
 * The loop runs on a manual scheduler: the tests move its clock to each heartbeat and wait (on real
 * time) only for the HTTP round trip, so cadence and rate limits are checked exactly, not slept on.
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
  waitFor,
} from "./fake-directory.js";
import { ManualScheduler } from "./manual-scheduler.js";

interface Line {
  level: string;
  msg: string;
  [field: string]: unknown;
}

let directory: FakeDirectory;
let lines: Line[];
let logger: Logger;
let clock: ManualScheduler;
/** scheduler ms at which each heartbeat began (read its capacity) */
let began: number[];
const memberships: RegionMembership[] = [];

beforeEach(async () => {
  directory = new FakeDirectory();
  await directory.listen();
  lines = [];
  logger = createLogger({ level: "debug", sink: (line) => lines.push(JSON.parse(line) as Line) });
  clock = new ManualScheduler();
  began = [];
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
    capacity: () => {
      began.push(clock.now());
      return fakeCapacity();
    },
    logger,
    startedAt: 1_700_000_000_000,
    scheduler: clock,
    ...overrides,
  });
  memberships.push(m);
  return m;
}

/**
 * Waits (real time: the HTTP round trip) until the heartbeat under way has been answered and the
 * loop has set the timer for the next one.
 */
async function settled(): Promise<void> {
  await waitFor(() => clock.pending() > 0);
}

/** Moves the clock to the next heartbeat, checks that it begins then, and waits for its answer. */
async function nextBeat(): Promise<number | undefined> {
  const delay = clock.nextDelay();
  const count = began.length;
  clock.advance(delay ?? 0);
  expect(began).toHaveLength(count + 1);
  await settled();
  return delay;
}

const logged = (msg: string): Line[] => lines.filter((line) => line.msg === msg);

describe("RegionMembership", () => {
  it("sends a signed heartbeat at once, with this host's identity and capacity", async () => {
    const m = membership();
    const before = Date.now();
    m.start();
    expect(began).toEqual([0]);
    await settled();
    expect(directory.received).toHaveLength(1);
    const [first] = directory.received;
    expect(first?.path).toBe(HEARTBEAT_PATH);
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
    // the next one is due the ack's interval (the fake's default, 60 s) after this one began
    expect(clock.nextDelay()).toBe(60_000);
  });

  it("sends heartbeats every intervalMs of the last ack", async () => {
    directory.respond = checkedResponder(() => ack(50));
    const m = membership();
    m.start();
    await settled();
    for (let i = 0; i < 5; i++) {
      // the ack's 50 ms, not the default interval
      expect(await nextBeat()).toBe(50);
    }
    expect(began).toEqual([0, 50, 100, 150, 200, 250]);
    expect(directory.heartbeats()).toHaveLength(6);
    expect(logged("joined region directory")).toHaveLength(1);
  });

  it("counts the interval from each heartbeat's start and never overlaps two", async () => {
    directory.respond = checkedResponder(() => ack(50));
    const m = membership();
    m.start();
    await settled();

    directory.holdAnswers();
    clock.advance(50);
    await waitFor(() => directory.heartbeats().length === 2);
    clock.advance(30); // the answer takes 30 ms
    directory.releaseAnswers();
    await settled();
    expect(clock.nextDelay()).toBe(20);

    directory.holdAnswers();
    clock.advance(20);
    await waitFor(() => directory.heartbeats().length === 3);
    // an answer slower than the interval: nothing else goes out meanwhile, the next one right after
    clock.advance(500);
    expect(began).toEqual([0, 50, 100]);
    expect(directory.heartbeats()).toHaveLength(3);
    directory.releaseAnswers();
    await settled();
    expect(clock.nextDelay()).toBe(0);
    await nextBeat();
    expect(began).toEqual([0, 50, 100, 600]);
    expect(clock.nextDelay()).toBe(50);
  });

  it("keeps retrying at the same interval while the directory answers 503, warning once", async () => {
    const m = membership();
    directory.respond = checkedResponder(() => ack(50, 2));
    m.start();
    await settled();
    expect(m.status().joined).toBe(true);
    directory.respond = checkedResponder(() =>
      errorAnswer(503, "SHUTTING_DOWN", "directory restarting"),
    );
    for (let i = 0; i < 4; i++) expect(await nextBeat()).toBe(50);
    const status = m.status();
    expect(status.joined).toBe(false);
    expect(status.consecutiveFailures).toBe(4);
    expect(status.lastError).toBe("HTTP 503 SHUTTING_DOWN: directory restarting");
    expect(logged("region directory unreachable")).toEqual([
      expect.objectContaining({ level: "warn", joinUrl: directory.url, status: 503 }),
    ]);

    directory.respond = checkedResponder(() => ack(50, 3));
    expect(await nextBeat()).toBe(50);
    expect(m.status()).toMatchObject({ joined: true, lastError: null, consecutiveFailures: 0 });
    expect(logged("joined region directory").map((l) => l.hosts)).toEqual([2, 3]);
    expect(logged("region directory unreachable")).toHaveLength(1);
  });

  it("keeps retrying while the directory is down and rejoins when it is back", async () => {
    directory.respond = checkedResponder(() => ack(50));
    const m = membership();
    m.start();
    await settled();
    expect(m.status().joined).toBe(true);
    await directory.close();
    for (let i = 0; i < 3; i++) expect(await nextBeat()).toBe(50);
    expect(m.status().consecutiveFailures).toBe(3);
    expect(m.status().joined).toBe(false);
    expect(m.status().lastError).toMatch(/ECONNREFUSED/);
    expect(logged("region directory unreachable")).toHaveLength(1);
    expect(logged("region directory unreachable")[0]?.err).toMatch(/ECONNREFUSED/);

    await directory.listen();
    expect(await nextBeat()).toBe(50);
    expect(m.status().joined).toBe(true);
    expect(logged("joined region directory")).toHaveLength(2);
    expect(logged("region directory unreachable")).toHaveLength(1);
  });

  it("waits quietly for a directory that is not up yet, then warns after the grace period", async () => {
    await directory.close();
    let skewMs = 0;
    const m = membership({ intervalMs: 30, now: () => Date.now() + skewMs });
    m.start();
    await settled();
    for (let i = 0; i < 2; i++) expect(await nextBeat()).toBe(30);
    expect(m.status().consecutiveFailures).toBe(3);
    expect(logged("waiting for region directory")).toHaveLength(1);
    expect(logged("region directory unreachable")).toHaveLength(0);

    skewMs = JOIN_GRACE_MS;
    for (let i = 0; i < 3; i++) expect(await nextBeat()).toBe(30);
    expect(m.status().consecutiveFailures).toBe(6);
    expect(logged("region directory unreachable")).toHaveLength(1);
    expect(logged("waiting for region directory")).toHaveLength(1);

    skewMs = 0;
    await directory.listen();
    await nextBeat();
    expect(m.status().joined).toBe(true);
    expect(logged("joined region directory")).toHaveLength(1);
  });

  it("logs a rejection (4xx) once per transition, with the directory's code, and keeps retrying", async () => {
    const m = membership({ secret: "not-the-region-secret", intervalMs: 30 });
    m.start();
    await settled();
    for (let i = 0; i < 2; i++) expect(await nextBeat()).toBe(30);
    expect(directory.heartbeats()).toHaveLength(3);
    expect(directory.heartbeats().every((r) => !r.signed)).toBe(true);
    expect(m.status()).toMatchObject({
      joined: false,
      consecutiveFailures: 3,
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
    for (let i = 0; i < 3; i++) expect(await nextBeat()).toBe(30);
    expect(m.status().lastError).toContain("region mismatch");
    expect(logged("region directory rejected this host").map((l) => l.code)).toEqual([
      "UNAUTHORIZED",
      "INVALID_REQUEST",
    ]);
    expect(logged("region directory unreachable")).toHaveLength(0);
  });

  it("nudge() sends a heartbeat soon after a capacity change, at most one per NUDGE_MIN_INTERVAL_MS", async () => {
    const m = membership();
    m.start();
    await settled();
    // the interval is 60 s: without the nudges only the first heartbeat would come this soon
    for (let i = 0; i < 10; i++) {
      m.nudge();
      const count = began.length;
      clock.advance(30);
      if (began.length > count) await settled();
    }
    // ten nudges 30 ms apart (at 0..270): two heartbeats, NUDGE_MIN_INTERVAL_MS apart
    expect(began).toEqual([0, NUDGE_MIN_INTERVAL_MS]);
    expect(clock.now()).toBe(300);
    expect(await nextBeat()).toBe(2 * NUDGE_MIN_INTERVAL_MS - 300);
    expect(began).toEqual([0, NUDGE_MIN_INTERVAL_MS, 2 * NUDGE_MIN_INTERVAL_MS]);
    expect(directory.heartbeats()).toHaveLength(3);
    // no capacity change since: back to the interval
    expect(clock.nextDelay()).toBe(60_000);

    // long after the last heartbeat, a nudge sends one at once
    clock.advance(1_000);
    m.nudge();
    expect(began).toHaveLength(4);
    expect(began.at(-1)).toBe(clock.now());
    await settled();
    expect(directory.heartbeats()).toHaveLength(4);
  });

  it("nudge() during a heartbeat sends the next one after it, NUDGE_MIN_INTERVAL_MS after its start", async () => {
    const m = membership();
    directory.holdAnswers();
    m.start();
    await waitFor(() => directory.heartbeats().length === 1);
    m.nudge();
    m.nudge();
    clock.advance(50);
    expect(began).toEqual([0]);
    directory.releaseAnswers();
    await settled();
    expect(await nextBeat()).toBe(NUDGE_MIN_INTERVAL_MS - 50);
    expect(began).toEqual([0, NUDGE_MIN_INTERVAL_MS]);
    expect(clock.nextDelay()).toBe(60_000);
  });

  it("drain() switches heartbeats to draining and sends one at once", async () => {
    const m = membership();
    m.start();
    await settled();
    m.drain();
    expect(began).toEqual([0, 0]);
    await settled();
    expect(directory.heartbeats().map((r) => (r.body as { state: string }).state)).toEqual([
      "active",
      "draining",
    ]);
    m.drain(); // already draining: nothing more, and the next heartbeat stays an interval away
    expect(began).toHaveLength(2);
    expect(clock.nextDelay()).toBe(60_000);
  });

  it("drain() during a heartbeat sends the draining one after it, not alongside", async () => {
    const m = membership();
    directory.holdAnswers();
    m.start();
    await waitFor(() => directory.heartbeats().length === 1);
    m.drain();
    expect(began).toEqual([0]);
    clock.advance(100); // the answer takes 100 ms
    directory.releaseAnswers();
    await settled();
    expect(directory.heartbeats()).toHaveLength(1);
    // as a nudge: as soon as the rate limit allows
    expect(await nextBeat()).toBe(NUDGE_MIN_INTERVAL_MS - 100);
    const [first, second] = directory.heartbeats();
    expect(first?.body).toMatchObject({ state: "active" });
    expect(second?.body).toMatchObject({ state: "draining" });
  });

  it("stop() leaves the directory (signed) and ends the loop; a second stop() does nothing", async () => {
    directory.respond = checkedResponder(() => ack(30));
    const m = membership();
    m.start();
    await settled();
    for (let i = 0; i < 2; i++) await nextBeat();
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
    m.nudge();
    // no heartbeat began and none is scheduled: nothing can be sent any more
    expect(clock.pending()).toBe(0);
    clock.advance(60_000);
    expect(began).toHaveLength(3);
    expect(directory.received).toHaveLength(count);
    expect(directory.leaves()).toHaveLength(1);
  });

  it("stop() aborts a heartbeat under way and sends leave after it", async () => {
    directory.holdAnswers();
    const m = membership();
    m.start();
    await waitFor(() => directory.heartbeats().length === 1);
    const started = Date.now();
    await m.stop(); // the held answer never comes: only the abort lets stop() go on
    expect(Date.now() - started).toBeLessThan(500);
    expect(directory.leaves()).toHaveLength(1);
    expect(clock.pending()).toBe(0);
    // the aborted heartbeat is neither a success nor a failure
    expect(m.status()).toMatchObject({ joined: false, lastError: null, consecutiveFailures: 0 });
  });

  it("stop() never throws when the directory is gone", async () => {
    const m = membership();
    m.start();
    await settled();
    expect(m.status().joined).toBe(true);
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
    expect(began).toHaveLength(0);
    expect(clock.pending()).toBe(0);
    expect(directory.received).toHaveLength(0);
  });

  it("runs on real timers when given no scheduler", async () => {
    directory.respond = checkedResponder(() => ack(20));
    const m = membership({ scheduler: undefined });
    m.start();
    await waitFor(() => directory.heartbeats().length >= 3);
    await m.stop();
    expect(directory.leaves()).toHaveLength(1);
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
