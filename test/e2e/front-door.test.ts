/**
 * The front door on real workerd in front of two fixture "region" Workers (each on its own
 * workerd): placement by client location, pins, SSE passthrough without buffering, async-job
 * fan-out, and failover when a region's workerd is killed. No QEMU needed.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { COMPATIBILITY_DATE } from "@edgevm/runtime/region-config";
import { httpUrl, resolveRegions } from "@edgevm/runtime/regions";
import {
  bundleFrontDoor,
  type FrontDoorProcess,
  startFrontDoor,
} from "@edgevm/runtime/start-front-door";
import { serializeConfig } from "@edgevm/runtime/workerd/capnp";
import { startWorkerd, type WorkerdProcess } from "@edgevm/runtime/workerd/process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { processesMentioning } from "../support/processes.js";

const dir = mkdtempSync(join(tmpdir(), "edgevm-front-door-e2e-"));
const NEAR_A = "48.8,2.3"; // Paris
const NEAR_B = "40.7,-74.0"; // New York

/** A region stand-in: echoes what it got, `/sse` streams two events 1 s apart, owns jobs `<region>-*`. */
const REGION_WORKER = `
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const region = env.REGION;
    if (url.pathname === "/healthz") return Response.json({ ok: true, region });
    if (url.pathname === "/sse") {
      const enc = new TextEncoder();
      const body = new ReadableStream({
        async start(controller) {
          controller.enqueue(enc.encode("event: one\\ndata: {}\\n\\n"));
          await new Promise((resolve) => setTimeout(resolve, 1000));
          controller.enqueue(enc.encode("event: two\\ndata: {}\\n\\n"));
          controller.close();
        },
      });
      return new Response(body, { headers: { "content-type": "text/event-stream" } });
    }
    const job = /^\\/v1\\/jobs\\/([^/]+)$/.exec(url.pathname);
    if (job && request.method === "GET") {
      if (job[1].startsWith(region + "-")) return Response.json({ id: job[1], status: "succeeded", region });
      return Response.json({ error: { code: "NOT_FOUND", message: "no such job" } }, { status: 404 });
    }
    return Response.json({
      region,
      method: request.method,
      path: url.pathname + url.search,
      body: await request.text(),
      authorization: request.headers.get("authorization"),
      requestId: request.headers.get("x-request-id"),
    });
  },
};
`;

async function startFixtureRegion(name: string): Promise<WorkerdProcess & { url: string }> {
  const configPath = join(dir, `region-${name}.capnp`);
  const config = serializeConfig({
    services: [
      {
        name: "region",
        worker: {
          modules: [{ name: "region.mjs", esModule: REGION_WORKER }],
          compatibilityDate: COMPATIBILITY_DATE,
          bindings: [{ name: "REGION", text: name }],
        },
      },
    ],
    sockets: [{ name: "http", address: "127.0.0.1:0", http: {}, service: { name: "region" } }],
  });
  writeFileSync(configPath, config);
  const proc = await startWorkerd({ configPath, sockets: ["http"] });
  return Object.assign(proc, { url: httpUrl("127.0.0.1", proc.ports.get("http") ?? 0) });
}

const procs: WorkerdProcess[] = [];
let regionA: WorkerdProcess & { url: string };
let regionB: WorkerdProcess & { url: string };
let frontDoor: FrontDoorProcess;

function get(path: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${frontDoor.url}${path}`, { headers });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  [regionA, regionB] = await Promise.all([startFixtureRegion("a"), startFixtureRegion("b")]);
  procs.push(regionA, regionB);
  const regions = resolveRegions(
    {
      regions: {
        stateDir: join(dir, "state"),
        frontDoor: { port: 0 },
        list: [
          { name: "a", location: { lat: 48.86, lon: 2.35 }, port: 0, emulator: { port: 0 } },
          { name: "b", location: { lat: 38.9, lon: -77 }, port: 0, emulator: { port: 0 } },
        ],
      },
    },
    {},
  );
  const bundlePath = await bundleFrontDoor(
    join(import.meta.dirname, "..", ".."),
    join(dir, "build", "front-door.mjs"),
  );
  frontDoor = await startFrontDoor({
    regions,
    bundlePath,
    regionUrls: { a: regionA.url, b: regionB.url },
  });
  procs.push(frontDoor);
}, 60_000);

afterAll(async () => {
  await Promise.all(procs.map((p) => p.stop()));
  rmSync(dir, { recursive: true, force: true });
});

describe("the front door on workerd", () => {
  it("sends each client to the nearest region, tagging the response", async () => {
    let res = await get("/v1/regions", { "x-edgevm-client-location": NEAR_A });
    expect(res.headers.get("x-edgevm-region")).toBe("a");
    expect(await res.json()).toMatchObject({ region: "a", path: "/v1/regions" });
    res = await get("/v1/images?x=1", {
      "x-edgevm-client-location": NEAR_B,
      authorization: "Bearer k1",
      "x-request-id": "e2e-1",
    });
    expect(res.headers.get("x-edgevm-region")).toBe("b");
    expect(res.headers.get("x-request-id")).toBe("e2e-1");
    expect(await res.json()).toMatchObject({
      region: "b",
      path: "/v1/images?x=1",
      authorization: "Bearer k1",
      requestId: "e2e-1",
    });
  });

  it("pins with ?region= and rejects an unknown region with 400 UNKNOWN_REGION", async () => {
    let res = await get("/v1/images?region=b", { "x-edgevm-client-location": NEAR_A });
    expect(res.headers.get("x-edgevm-region")).toBe("b");
    res = await get("/v1/images?region=mars");
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: "UNKNOWN_REGION" } });
  });

  it("pins a POST by the body's region field and forwards the same bytes", async () => {
    const body = JSON.stringify({ command: ["echo", "hi"], region: "b" });
    const res = await fetch(`${frontDoor.url}/v1/jobs`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-edgevm-client-location": NEAR_A },
      body,
    });
    expect(res.headers.get("x-edgevm-region")).toBe("b");
    expect(await res.json()).toMatchObject({ region: "b", method: "POST", body });
  });

  it("streams SSE through: the first event arrives before the second is sent", async () => {
    const started = Date.now();
    const res = await get("/sse", { "x-edgevm-client-location": NEAR_A });
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const reader = res.body?.getReader();
    if (!reader) throw new Error("no body");
    const decoder = new TextDecoder();
    let text = "";
    let firstAt = 0;
    while (!text.includes("event: two")) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      if (!firstAt && text.includes("event: one")) firstAt = Date.now();
    }
    const secondAt = Date.now();
    expect(text).toContain("event: two");
    expect(firstAt - started).toBeLessThan(800);
    expect(secondAt - firstAt).toBeGreaterThan(700);
  });

  it("finds an async job in the region that holds it (fan-out)", async () => {
    let res = await get("/v1/jobs/b-123", { "x-edgevm-client-location": NEAR_A });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-edgevm-region")).toBe("b");
    expect(await res.json()).toMatchObject({ id: "b-123", region: "b" });
    res = await get("/v1/jobs/nowhere-1");
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: "NOT_FOUND" } });
  });

  it("fails over when a region's workerd is killed, and reports it unhealthy", async () => {
    process.kill(regionA.pid, "SIGKILL");
    await regionA.exited;
    let res = await get("/v1/images", { "x-edgevm-client-location": NEAR_A });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-edgevm-region")).toBe("b");
    // a POST too: region a verifiably refuses connections, so it never got it
    res = await fetch(`${frontDoor.url}/v1/jobs`, {
      method: "POST",
      headers: { "x-edgevm-client-location": NEAR_A },
      body: "{}",
    });
    expect(res.headers.get("x-edgevm-region")).toBe("b");
    const health = (await (await get("/healthz")).json()) as {
      ok: boolean;
      regions: Array<{ name: string; healthy: boolean }>;
    };
    expect(health.ok).toBe(true);
    expect(health.regions.map((r) => [r.name, r.healthy])).toEqual([
      ["a", false],
      ["b", true],
    ]);
    res = await get("/v1/images?region=a");
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).not.toBeNull();
    expect(await res.json()).toMatchObject({ error: { code: "REGION_UNAVAILABLE" } });
    const metrics = await (await get("/metrics")).text();
    expect(metrics).toMatch(
      /edgevm_front_door_failovers_total\{from="a",reason="unreachable"\} [1-9]/,
    );
  });

  it("leaves no workerd process behind", async () => {
    await Promise.all(procs.map((p) => p.stop()));
    for (const p of procs) expect(alive(p.pid)).toBe(false);
    const leftovers = processesMentioning(dir);
    expect(leftovers).toEqual([]);
  });
});
