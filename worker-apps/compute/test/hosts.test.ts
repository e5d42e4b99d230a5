/**
 * The region's directory of hosts and multi-host dispatch, inside workerd, against two fake hosts
 * listening on real ports (`host-a`, `host-b`, vitest.config.ts) and one address nothing listens on.
 * The Worker's isolate runs on `testClock`: the tests move it forward to expire the isolate's cache
 * of the host list and the directory's heartbeat TTL, instead of sleeping them out.
 */

import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { HOSTS_CACHE_MS } from "../src/hosts/host-set.js";
import {
  HEARTBEAT_PATH,
  HOST_TTL_MS,
  type HostHeartbeat,
  type HostView,
  LEAVE_PATH,
  type RegionView,
  signRequest,
} from "../src/shared/index.js";
import { testClock } from "./clock.js";
import { BASE, call, errorOf, uniqueName, until } from "./helpers.js";

const REGION = "test-region";
/** nothing listens on port 9 (discard) */
const DEAD_URL = "http://127.0.0.1:9";
const STARTED_AT = Date.now();

interface Shape {
  free?: number;
  busy?: number;
  warm?: number;
  queue?: number;
  state?: HostHeartbeat["state"];
}

function beat(host: string, url: string, shape: Shape = {}): HostHeartbeat {
  const free = shape.free ?? 4;
  return {
    host,
    region: REGION,
    url,
    startedAt: STARTED_AT,
    state: shape.state ?? "active",
    capacity: {
      region: REGION,
      host,
      accel: "tcg",
      slots: { total: free + (shape.busy ?? 0), busy: shape.busy ?? 0, free },
      queue: { length: shape.queue ?? 0, max: 8 },
      memory: { budgetMiB: 4096, usedMiB: 256, freeMiB: 3840 },
      images: [{ name: "base", warm: shape.warm ?? 0, spawned: 0, templates: 1, targetWarm: 1 }],
    },
  };
}

async function signedPost(
  path: string,
  body: unknown,
  secret = env.EMULATOR_SECRET,
): Promise<Response> {
  const bytes = new TextEncoder().encode(JSON.stringify(body));
  const headers = new Headers(await signRequest({ secret, method: "POST", path, body: bytes }));
  headers.set("content-type", "application/json");
  return exports.default.fetch(
    new Request(`${BASE}${path}`, { method: "POST", headers, body: bytes }),
  );
}

const joined = new Set<string>();

/** The isolate's cached list of hosts is stale from here on: the next request asks the directory. */
function expireHostCache(): void {
  testClock.advance(HOSTS_CACHE_MS);
}

/** Heartbeats for each host, then expires the isolate's cache of the list. */
async function announce(...beats: HostHeartbeat[]): Promise<void> {
  for (const b of beats) {
    const res = await signedPost(HEARTBEAT_PATH, b);
    expect(res.status).toBe(200);
    joined.add(b.host);
  }
  expireHostCache();
}

async function regionHosts(): Promise<HostView[]> {
  const res = await call("/v1/regions");
  const [own] = (await res.json()) as RegionView[];
  return own?.hosts ?? [];
}

afterEach(async () => {
  for (const host of joined) await signedPost(LEAVE_PATH, { host, region: REGION });
  joined.clear();
  expireHostCache();
});

describe("host directory", () => {
  it("refuses heartbeats that are unsigned, for another region, or malformed", async () => {
    const good = beat("host-x", env.FAKE_HOST_A_URL);
    const unsigned = await exports.default.fetch(
      new Request(`${BASE}${HEARTBEAT_PATH}`, { method: "POST", body: JSON.stringify(good) }),
    );
    expect(unsigned.status).toBe(401);
    const wrongKey = await signedPost(HEARTBEAT_PATH, good, "another-secret-0123456789");
    expect((await errorOf(wrongKey)).code).toBe("UNAUTHORIZED");
    const other = await signedPost(HEARTBEAT_PATH, { ...good, region: "elsewhere" });
    expect(other.status).toBe(400);
    expect((await errorOf(other)).message).toMatch(/belongs to region "elsewhere"/);
    const malformed = await signedPost(HEARTBEAT_PATH, { host: "host-x" });
    expect(malformed.status).toBe(400);
    expect((await errorOf(malformed)).code).toBe("INVALID_REQUEST");
    expect(await regionHosts()).toEqual([
      expect.objectContaining({ id: "fake-host-1", lastSeenMs: null }),
    ]);
  });

  it("lists joined hosts in /v1/regions, acks with the interval and TTL, and forgets a host that leaves", async () => {
    const res = await signedPost(HEARTBEAT_PATH, beat("host-a", env.FAKE_HOST_A_URL, { warm: 2 }));
    joined.add("host-a");
    expect(await res.json()).toEqual({ ok: true, intervalMs: 1000, ttlMs: 3000, hosts: 1 });
    await announce(beat("host-b", env.FAKE_HOST_B_URL, { state: "draining" }));
    const hosts = await regionHosts();
    expect(hosts.map((h) => [h.id, h.state]).sort()).toEqual([
      ["host-a", "active"],
      ["host-b", "draining"],
    ]);
    for (const h of hosts) expect(h.lastSeenMs).toBeLessThan(2_000);
    const [own] = (await (await call("/v1/regions")).json()) as Array<{ pool: unknown }>;
    expect(own?.pool).toEqual({ warm: 2, busy: 0, target: 2 });
    await signedPost(LEAVE_PATH, { host: "host-b", region: REGION });
    expireHostCache();
    expect((await regionHosts()).map((h) => h.id)).toEqual(["host-a"]);
  });

  it("forgets a host HOST_TTL_MS after its last heartbeat", async () => {
    await announce(beat("host-a", env.FAKE_HOST_A_URL));
    expect((await regionHosts()).map((h) => h.id)).toEqual(["host-a"]);
    // a third of the TTL after the heartbeat (the list's cache expired long before): still listed
    testClock.advance(HOST_TTL_MS / 3);
    const [listed] = await regionHosts();
    expect(listed).toMatchObject({ id: "host-a" });
    expect(listed?.lastSeenMs).toBeGreaterThanOrEqual(HOST_TTL_MS / 3);
    // past the TTL: gone, and with no member left the configured host answers again
    testClock.advance(HOST_TTL_MS);
    expect((await regionHosts()).map((h) => h.id)).toEqual(["fake-host-1"]);
  });
});

describe("placement over the region's hosts", () => {
  it("sends a job to the host with a warm VM for its image", async () => {
    await announce(
      beat("host-a", env.FAKE_HOST_A_URL, { warm: 2 }),
      beat("host-b", env.FAKE_HOST_B_URL, { warm: 0 }),
    );
    const onA = await call("/v1/jobs", { body: { command: ["echo", "where"] } });
    expect(((await onA.json()) as { host: string }).host).toBe("host-a");
    await announce(
      beat("host-a", env.FAKE_HOST_A_URL, { warm: 0 }),
      beat("host-b", env.FAKE_HOST_B_URL, { warm: 1 }),
    );
    const onB = await call("/v1/jobs", { body: { command: ["echo", "where"] } });
    expect(((await onB.json()) as { host: string }).host).toBe("host-b");
  });

  it("spreads simultaneous jobs: each sees the ones placed before it", async () => {
    await announce(
      beat("host-a", env.FAKE_HOST_A_URL, { free: 2, warm: 3 }),
      beat("host-b", env.FAKE_HOST_B_URL, { free: 2, warm: 1 }),
    );
    const gate = uniqueName("g");
    const pending = [1, 2, 3, 4].map(() =>
      call("/v1/jobs", {
        body: { command: ["gate", gate] },
        headers: { accept: "text/event-stream" },
      }),
    );
    // the jobs wait at the gate (as real jobs would run): all four are in flight at once
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (const url of [env.FAKE_HOST_A_URL, env.FAKE_HOST_B_URL]) {
      await (await fetch(`${url}/__fake/release/${gate}`, { method: "POST" })).body?.cancel();
    }
    const hosts = await Promise.all(
      pending.map(async (res) => /"host":"([^"]+)"/.exec(await (await res).text())?.[1]),
    );
    expect(hosts.sort()).toEqual(["host-a", "host-a", "host-b", "host-b"]);
  });

  it("never places on a draining host", async () => {
    await announce(
      beat("host-a", env.FAKE_HOST_A_URL, { warm: 4, state: "draining" }),
      beat("host-b", env.FAKE_HOST_B_URL, { warm: 0, free: 1 }),
    );
    for (let i = 0; i < 3; i++) {
      const res = await call("/v1/jobs", { body: { command: ["echo", String(i)] } });
      expect(((await res.json()) as { host: string }).host).toBe("host-b");
    }
  });

  it("moves on to the region's other host when the first is full (503)", async () => {
    await announce(
      beat("host-a", env.FAKE_HOST_A_URL, { warm: 2 }),
      beat("host-b", env.FAKE_HOST_B_URL),
    );
    const res = await call("/v1/jobs", { body: { command: ["busy-on", "host-a"] } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { host: string }).host).toBe("host-b");
  });

  it("when every host is full: one 503 with Retry-After naming each host", async () => {
    await announce(beat("host-a", env.FAKE_HOST_A_URL), beat("host-b", env.FAKE_HOST_B_URL));
    const res = await call("/v1/jobs", { body: { command: ["busy"] } });
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("2");
    const error = await errorOf(res);
    expect(error.code).toBe("NO_CAPACITY");
    expect(error.message).toMatch(/every host of region test-region is busy/);
    expect(error.message).toMatch(/host-a: NO_CAPACITY/);
    expect(error.message).toMatch(/host-b: NO_CAPACITY/);
  });

  it("skips a host it cannot connect to, and the directory drops it", async () => {
    await announce(beat("host-dead", DEAD_URL, { warm: 8 }), beat("host-a", env.FAKE_HOST_A_URL));
    const res = await call("/v1/jobs", { body: { command: ["echo", "around"] } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { host: string }).host).toBe("host-a");
    expireHostCache();
    expect((await regionHosts()).map((h) => h.id)).toEqual(["host-a"]);
  });
});

describe("a host that dies mid-job", () => {
  async function killWhenRunning(url: string, marker: string): Promise<void> {
    await until(async () => {
      const res = await fetch(`${url}/__fake/calls?marker=${marker}`);
      const calls = (await res.json()) as unknown[];
      return calls.length > 0 ? true : undefined;
    });
    const res = await fetch(`${url}/__fake/die`, { method: "POST" });
    await res.body?.cancel();
  }

  it("wait mode: 502 HOST_LOST naming the host", async () => {
    await announce(beat("host-a", env.FAKE_HOST_A_URL, { warm: 2 }));
    const marker = uniqueName("m");
    const pending = call("/v1/jobs", {
      body: { command: ["gate", uniqueName("g")], env: { MARKER: marker } },
    });
    await killWhenRunning(env.FAKE_HOST_A_URL, marker);
    const res = await pending;
    expect(res.status).toBe(502);
    const error = await errorOf(res);
    expect(error.code).toBe("HOST_LOST");
    expect(error.message).toMatch(/host-a stopped answering/);
  });

  it("stream mode: the events so far, then an error event HOST_LOST", async () => {
    await announce(beat("host-a", env.FAKE_HOST_A_URL, { warm: 2 }));
    const marker = uniqueName("m");
    const res = await call("/v1/jobs", {
      body: { command: ["gate", uniqueName("g")], env: { MARKER: marker } },
      headers: { accept: "text/event-stream" },
    });
    expect(res.status).toBe(200);
    await killWhenRunning(env.FAKE_HOST_A_URL, marker);
    const text = await res.text();
    expect(text).toMatch(/event: start/);
    expect(text).toMatch(/event: stdout\ndata: \{"data":"first\\n"\}/);
    expect(text.trimEnd().split("\n\n").at(-1)).toMatch(
      /^event: error\ndata: .*"code":"HOST_LOST"/,
    );
  });

  it("async: retried once on another host under the same id (lostOn names the lost host)", async () => {
    await announce(
      beat("host-a", env.FAKE_HOST_A_URL, { warm: 2 }),
      beat("host-b", env.FAKE_HOST_B_URL, { warm: 0 }),
    );
    const marker = uniqueName("m");
    const gate = uniqueName("g");
    // the gate is open on host-b only: the retry there finishes at once
    await (
      await fetch(`${env.FAKE_HOST_B_URL}/__fake/release/${gate}`, { method: "POST" })
    ).body?.cancel();
    const accepted = await call("/v1/jobs?wait=false", {
      body: { command: ["gate", gate], env: { MARKER: marker } },
    });
    expect(accepted.status).toBe(202);
    const { id } = (await accepted.json()) as { id: string };
    await killWhenRunning(env.FAKE_HOST_A_URL, marker);
    const done = await until(async () => {
      const res = await call(`/v1/jobs/${id}`);
      const body = (await res.json()) as {
        status: string;
        host?: string;
        lostOn?: string[];
        id: string;
      };
      return body.status === "queued" || body.status === "running" ? undefined : body;
    });
    expect(done).toMatchObject({ id, status: "succeeded", host: "host-b", lostOn: ["host-a"] });
  });

  it("async in a one-host region: the retry goes to the same host once it is back", async () => {
    await announce(beat("host-a", env.FAKE_HOST_A_URL, { warm: 1 }));
    const marker = uniqueName("m");
    const gate = uniqueName("g");
    const accepted = await call("/v1/jobs?wait=false", {
      body: { command: ["gate", gate], env: { MARKER: marker } },
    });
    const { id } = (await accepted.json()) as { id: string };
    await killWhenRunning(env.FAKE_HOST_A_URL, marker);
    // the host is back (it answers again): the rerun finds the gate open
    await (
      await fetch(`${env.FAKE_HOST_A_URL}/__fake/release/${gate}`, { method: "POST" })
    ).body?.cancel();
    const done = await until(async () => {
      const body = (await (await call(`/v1/jobs/${id}`)).json()) as { status: string };
      return body.status === "queued" || body.status === "running" ? undefined : body;
    });
    expect(done).toMatchObject({ id, status: "succeeded", host: "host-a", lostOn: ["host-a"] });
  });
});
