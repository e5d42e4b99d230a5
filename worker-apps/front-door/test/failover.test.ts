import { describe, expect, it } from "vitest";
import { FAILURE_COOLDOWN_MS } from "../src/health.js";
import { echo, errorOf, frontDoor, jsonError, networkError, PARIS } from "./harness.js";

const nearParis = { headers: { "x-edgevm-client-location": PARIS } };
const post = (body = '{"command":["true"]}') => ({ method: "POST", body, ...nearParis });
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("front door: failover", () => {
  it("moves a GET on to the next region when the nearest cannot be reached, and remembers", async () => {
    const fd = frontDoor({ us: echo("us"), ap: echo("ap") });
    let res = await fd.request("/v1/images", nearParis);
    expect(res.headers.get("x-edgevm-region")).toBe("us");
    expect(fd.routed()).toEqual(["eu", "us"]);
    // eu is now unhealthy: tried last, so the next request goes straight to us
    res = await fd.request("/v1/images", nearParis);
    expect(res.headers.get("x-edgevm-region")).toBe("us");
    expect(fd.routed()).toEqual(["eu", "us", "us"]);
    const health = (await (await fd.request("/healthz")).json()) as {
      ok: boolean;
      regions: Array<{ name: string; healthy: boolean }>;
    };
    expect(health.ok).toBe(true);
    expect(health.regions.map((r) => [r.name, r.healthy])).toEqual([
      ["eu", false],
      ["us", true],
      ["ap", true],
    ]);
  });

  it("returns to a region once its cooldown is over and a probe succeeds", async () => {
    const fd = frontDoor({ us: echo("us") });
    await fd.request("/v1/images", nearParis);
    fd.handlers.eu = echo("eu");
    fd.clock.now += FAILURE_COOLDOWN_MS;
    await fd.request("/healthz"); // probes are due: eu answers again
    const res = await fd.request("/v1/images", nearParis);
    expect(res.headers.get("x-edgevm-region")).toBe("eu");
  });

  it("moves a POST on only when the region verifiably refuses connections", async () => {
    // eu passes its first probe, then its process dies with the POST
    const fd = frontDoor({
      eu: () => {
        fd.down.add("eu");
        return networkError();
      },
      us: echo("us"),
    });
    const res = await fd.request("/v1/jobs", post());
    expect(res.status).toBe(200);
    expect(res.headers.get("x-edgevm-region")).toBe("us");
    expect(fd.routed()).toEqual(["eu", "us"]);
    // the background probe and the reachability check: eu does not accept connections
    expect(fd.calls.filter((c) => c.region === "eu" && c.path === "/healthz")).toHaveLength(2);
  });

  it("does not repeat a POST whose connection was lost after it may have reached the region", async () => {
    const fd = frontDoor({
      eu: (req) =>
        new URL(req.url).pathname === "/healthz" ? Response.json({ ok: true }) : networkError(),
      us: echo("us"),
    });
    const res = await fd.request("/v1/jobs", post());
    expect(res.status).toBe(502);
    expect((await errorOf(res)).code).toBe("REGION_CONNECTION_LOST");
    expect(fd.routed()).toEqual(["eu"]);
  });

  it("moves a POST on after 503 + Retry-After (capacity) without marking the region unhealthy", async () => {
    const fd = frontDoor({
      eu: () => jsonError(503, "NO_CAPACITY", { "retry-after": "1" }),
      us: echo("us"),
    });
    let res = await fd.request("/v1/jobs", post());
    expect(res.headers.get("x-edgevm-region")).toBe("us");
    fd.handlers.eu = echo("eu");
    res = await fd.request("/v1/jobs", post());
    expect(res.headers.get("x-edgevm-region")).toBe("eu");
  });

  it("treats 429 + Retry-After (queue full) as capacity too", async () => {
    const fd = frontDoor({
      eu: () => jsonError(429, "QUEUE_FULL", { "retry-after": "1" }),
      us: echo("us"),
    });
    const res = await fd.request("/v1/jobs", post());
    expect(res.headers.get("x-edgevm-region")).toBe("us");
  });

  it("relays a 502/503 that is not from the region Worker to a POST, but marks the region", async () => {
    const fd = frontDoor({
      eu: () => new Response("Bad Gateway", { status: 502 }),
      us: echo("us"),
    });
    let res = await fd.request("/v1/jobs", post());
    expect(res.status).toBe(502);
    expect(res.headers.get("x-edgevm-region")).toBe("eu");
    expect(await res.text()).toBe("Bad Gateway");
    res = await fd.request("/v1/jobs", post());
    expect(res.headers.get("x-edgevm-region")).toBe("us");
  });

  it("moves a GET on after a region answers as unavailable (EMULATOR_UNAVAILABLE)", async () => {
    const fd = frontDoor({ eu: () => jsonError(503, "EMULATOR_UNAVAILABLE"), us: echo("us") });
    const res = await fd.request("/v1/images", nearParis);
    expect(res.headers.get("x-edgevm-region")).toBe("us");
  });

  it("relays the region's own errors (502 VM_CRASHED, 400, 401) without failover", async () => {
    const fd = frontDoor({ eu: () => jsonError(502, "VM_CRASHED"), us: echo("us") });
    let res = await fd.request("/v1/jobs", post());
    expect(res.status).toBe(502);
    expect((await errorOf(res)).code).toBe("VM_CRASHED");
    fd.handlers.eu = () => jsonError(401, "UNAUTHORIZED");
    res = await fd.request("/v1/jobs", post());
    expect(res.status).toBe(401);
    expect(fd.routed()).toEqual(["eu", "eu"]);
  });

  it("answers 503 NO_REGION_AVAILABLE naming every region tried when all fail", async () => {
    const fd = frontDoor({ ap: () => jsonError(503, "NO_CAPACITY", { "retry-after": "3" }) });
    const res = await fd.request("/v1/images", nearParis);
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("3");
    const error = await errorOf(res);
    expect(error.code).toBe("NO_REGION_AVAILABLE");
    expect(error.message).toMatch(/eu: unreachable.*us: unreachable.*ap: answered 503 NO_CAPACITY/);
  });
});

describe("front door: GET /v1/jobs/:id fan-out", () => {
  const holds =
    (name: string, id: string, delayMs = 0) =>
    async (req: Request) => {
      const path = new URL(req.url).pathname;
      if (path === "/healthz") return Response.json({ ok: true });
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      return path === `/v1/jobs/${id}`
        ? Response.json({ id, status: "running", region: name })
        : jsonError(404, "NOT_FOUND");
    };

  it("asks every healthy region at once and returns the one that has the job", async () => {
    const fd = frontDoor({
      eu: holds("eu", "job_x"),
      us: holds("us", "job_y", 20),
      ap: holds("ap", "job_z"),
    });
    const res = await fd.request("/v1/jobs/job_y", nearParis);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-edgevm-region")).toBe("us");
    expect(await res.json()).toMatchObject({ id: "job_y", region: "us" });
    expect(new Set(fd.routed())).toEqual(new Set(["eu", "us", "ap"]));
  });

  it("answers 404 NOT_FOUND when every region says 404", async () => {
    const fd = frontDoor({ eu: holds("eu", "a"), us: holds("us", "b"), ap: holds("ap", "c") });
    const res = await fd.request("/v1/jobs/job_none");
    expect(res.status).toBe(404);
    expect((await errorOf(res)).code).toBe("NOT_FOUND");
  });

  it("answers 503 when the job may be in a region that could not be asked", async () => {
    const fd = frontDoor({ eu: holds("eu", "a"), us: holds("us", "b") });
    const res = await fd.request("/v1/jobs/job_none");
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).not.toBeNull();
    expect((await errorOf(res)).message).toMatch(/not found in .*could not ask ap/);
  });

  it("asks only the pinned region when there is a pin", async () => {
    const fd = frontDoor({ eu: holds("eu", "a"), us: holds("us", "b"), ap: holds("ap", "c") });
    const res = await fd.request("/v1/jobs/b?region=eu");
    expect(res.status).toBe(404);
    expect(fd.routed()).toEqual(["eu"]);
  });
});

describe("front door: own endpoints", () => {
  it("/metrics counts this app's requests by region and status, and failovers", async () => {
    const fd = frontDoor({ us: echo("us") });
    await fd.request("/v1/images", nearParis);
    await tick();
    const text = await (await fd.request("/metrics")).text();
    // each app counts its own requests: exactly this test's
    expect(text).toContain('edgevm_front_door_requests_total{region="us",status="200"} 1\n');
    expect(text).toContain('edgevm_front_door_failovers_total{from="eu",reason="unreachable"} 1\n');
    expect(text).toMatch(/edgevm_front_door_region_healthy\{region="eu"\} 0/);
  });
});
