import { describe, expect, it } from "vitest";
import { call } from "./helpers.js";

describe("GET /v1/regions", () => {
  it("lists every region: this one from the emulator's capacity, an unreachable one as unhealthy", async () => {
    const res = await call("/v1/regions");
    expect(res.status).toBe(200);
    const regions = (await res.json()) as Array<Record<string, unknown>>;
    expect(regions).toHaveLength(2);
    expect(regions[0]).toEqual({
      name: "test-region",
      url: "http://127.0.0.1:8801",
      healthy: true,
      hosts: [
        {
          id: "fake-host-1",
          url: "http://emulator.test:8790",
          healthy: true,
          state: "active",
          // the configured host (no host joined the directory): asked just now
          lastSeenMs: null,
          startedAt: null,
          capacity: expect.objectContaining({ total: 8, busy: 1, free: 7 }),
          images: [
            { name: "base", warm: 2, target: 2 },
            { name: "python", warm: 1, target: 1 },
          ],
        },
      ],
      pool: { warm: 3, busy: 1, target: 3 },
    });
    expect(regions[1]).toEqual({
      name: "down-region",
      url: "http://127.0.0.1:9",
      healthy: false,
      hosts: [],
      pool: null,
    });
  });
});

describe("GET /v1/regions?scope=self", () => {
  it("lists only this region (what another region asks), and refuses other scopes", async () => {
    const res = await call("/v1/regions?scope=self");
    expect(res.status).toBe(200);
    const regions = (await res.json()) as Array<{ name: string; hosts: unknown[] }>;
    expect(regions.map((r) => r.name)).toEqual(["test-region"]);
    expect(regions[0]?.hosts).toHaveLength(1);
    const bad = await call("/v1/regions?scope=everything");
    expect(bad.status).toBe(400);
  });
});

describe("other routes", () => {
  it("GET /v1/images is proxied (signed)", async () => {
    const res = await call("/v1/images");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([{ name: "base" }, { name: "python" }]);
  });

  it("GET /metrics renders the Worker's counters", async () => {
    await call("/v1/jobs", { body: { command: ["echo", "m"] } });
    const res = await call("/metrics", { key: null });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(
      /edgevm_worker_http_requests_total\{route="\/v1\/jobs",status="200"\} \d+/,
    );
    expect(text).toMatch(/edgevm_worker_jobs_forwarded_total\{mode="wait",status="200"\} \d+/);
  });

  it("unknown routes are 404 NOT_FOUND JSON", async () => {
    const res = await call("/v1/nope");
    expect(res.status).toBe(404);
  });
});
