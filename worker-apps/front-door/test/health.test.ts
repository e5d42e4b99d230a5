import { describe, expect, it } from "vitest";
import { parseRegionsBinding } from "../src/config.js";
import { HealthTracker } from "../src/health.js";
import { classifyResponse, isIdempotent, parseRetryAfter } from "../src/upstream.js";

const a = { name: "a", url: "http://a.test" };
const b = { name: "b", url: "http://b.test" };

function tracker(answer: (url: string, req: Request) => Promise<Response>) {
  const clock = { now: 0 };
  const probes: string[] = [];
  const health = new HealthTracker({
    fetch: (req) => {
      probes.push(req.url);
      return answer(req.url, req);
    },
    now: () => clock.now,
    intervalMs: 3_000,
    timeoutMs: 50,
    cooldownMs: 5_000,
  });
  return { health, clock, probes };
}

describe("HealthTracker", () => {
  it("counts unknown regions as healthy and probes /healthz lazily, at most once per interval", async () => {
    const t = tracker(
      async (url) => new Response(null, { status: url.startsWith("http://a") ? 200 : 500 }),
    );
    expect(t.health.isHealthy("a")).toBe(true);
    await t.health.refresh([a, b]);
    expect(t.probes).toEqual(["http://a.test/healthz", "http://b.test/healthz"]);
    expect(t.health.snapshot(["a", "b"])).toEqual(
      new Map([
        ["a", true],
        ["b", false],
      ]),
    );
    expect(t.health.reason("b")).toBe("/healthz answered 500");
    t.clock.now += 2_999;
    await t.health.refresh([a, b]);
    expect(t.probes).toHaveLength(2);
    t.clock.now += 1;
    await t.health.refresh([a, b]);
    expect(t.probes).toHaveLength(4);
  });

  it("joins a probe in flight instead of starting another", async () => {
    let release: (r: Response) => void = () => {};
    const t = tracker(() => new Promise((resolve) => (release = resolve)));
    const first = t.health.refresh([a]);
    t.clock.now += 10_000;
    const second = t.health.refresh([a]);
    release(new Response("ok"));
    await Promise.all([first, second]);
    expect(t.probes).toHaveLength(1);
  });

  it("fails a probe that does not answer within the timeout", async () => {
    // never answers; rejects only when the probe's own timeout aborts the request
    const t = tracker(
      (_url, req) =>
        new Promise((_, reject) =>
          req.signal.addEventListener("abort", () => reject(req.signal.reason)),
        ),
    );
    const started = Date.now();
    await t.health.refresh([a]);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(t.health.isHealthy("a")).toBe(false);
    expect(t.health.reason("a")).toMatch(/^\/healthz failed: /);
  });

  it("keeps a failed region unhealthy for the cooldown; an unreachable one until a probe succeeds", async () => {
    const t = tracker(async () => new Response("ok"));
    t.health.markFailed("a", "answered 503", false);
    t.health.markFailed("b", "unreachable", true);
    expect(t.health.reason("a")).toBe("answered 503");
    t.clock.now += 4_999;
    expect(t.health.isHealthy("a")).toBe(false);
    t.clock.now += 1;
    expect(t.health.isHealthy("a")).toBe(true);
    expect(t.health.isHealthy("b")).toBe(false);
    await t.health.refresh([b]);
    expect(t.health.isHealthy("b")).toBe(true);
  });
});

describe("upstream helpers", () => {
  it("parses Retry-After as seconds or an HTTP date", () => {
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter("7")).toBe(7);
    expect(parseRetryAfter("soon")).toBeUndefined();
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 0)).toBe(10);
  });

  it("classifies region answers", async () => {
    const json = (status: number, code: string, headers: Record<string, string> = {}) =>
      Response.json({ error: { code, message: "m" } }, { status, headers });
    const kind = async (res: Response) => (await classifyResponse(res)).kind;
    expect(await kind(new Response("ok"))).toBe("answer");
    expect(await kind(json(404, "NOT_FOUND"))).toBe("answer");
    expect(await kind(json(502, "VM_CRASHED"))).toBe("answer");
    expect(await kind(json(503, "NO_CAPACITY"))).toBe("answer"); // no Retry-After: the region's call
    expect(await kind(json(503, "NO_CAPACITY", { "retry-after": "1" }))).toBe("capacity");
    expect(await kind(json(429, "QUEUE_FULL", { "retry-after": "1" }))).toBe("capacity");
    expect(await kind(json(503, "EMULATOR_UNAVAILABLE"))).toBe("unavailable");
    expect(await kind(new Response("Service Unavailable", { status: 503 }))).toBe("unavailable");
    expect(await kind(new Response("<html>", { status: 502 }))).toBe("unavailable");
    const sse = new Response("event: x\n\n", {
      status: 503,
      headers: { "content-type": "text/event-stream" },
    });
    expect(await kind(sse)).toBe("answer");
  });

  it("keeps the body of a classified response readable", async () => {
    const c = await classifyResponse(new Response("Bad Gateway", { status: 502 }));
    expect(await c.response.text()).toBe("Bad Gateway");
  });

  it("knows which methods may be repeated", () => {
    expect(["GET", "HEAD", "PUT", "DELETE", "OPTIONS", "get"].every(isIdempotent)).toBe(true);
    expect(["POST", "PATCH"].some(isIdempotent)).toBe(false);
  });
});

describe("parseRegionsBinding", () => {
  const ok = [
    { name: "a", url: "http://127.0.0.1:1/", location: { lat: 1, lon: 2 }, cidrs: ["10.0.0.0/8"] },
  ];

  it("parses and strips trailing slashes from URLs", () => {
    expect(parseRegionsBinding(JSON.stringify(ok))).toEqual([
      { ...ok[0], url: "http://127.0.0.1:1" },
    ]);
  });

  it("rejects a missing, malformed or invalid binding with INTERNAL naming REGIONS", () => {
    const bad = [
      undefined,
      "not json",
      "[]",
      JSON.stringify([{ name: "a", url: "ftp://x", location: { lat: 1, lon: 2 } }]),
      JSON.stringify([{ name: "a", url: "http://x", location: { lat: 91, lon: 2 } }]),
      JSON.stringify([{ ...ok[0], cidrs: ["10.0.0.0/40"] }]),
      JSON.stringify([ok[0], ok[0]]),
    ];
    for (const text of bad)
      expect(() => parseRegionsBinding(text), String(text)).toThrow(
        expect.objectContaining({ code: "INTERNAL", message: expect.stringContaining("REGIONS") }),
      );
  });
});
