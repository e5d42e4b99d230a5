/**
 * The front door's HTTP app (Hono): `GET /healthz`, `GET /metrics`, `GET /v1/jobs/:id` (fan-out
 * unless pinned) and everything else forwarded to the nearest healthy region with failover.
 * Dependencies (fetch, clock) are injected so the whole app also runs under plain vitest. Its state
 * (region health, metrics) belongs to the app, made by `createApp` and handed to every request as
 * `c.var.isolate`: one per isolate in the Worker (index.ts), a fresh one per test.
 */

import { type Health, readBodyWithLimit } from "@edgevm/contract";
import { PROMETHEUS_CONTENT_TYPE } from "@edgevm/observability";
import { Hono } from "hono";
import { parseRegionsBinding } from "./config.js";
import { type ForwardDeps, fanOutGet, forwardWithFailover } from "./failover.js";
import { type FetchLike, HealthTracker } from "./health.js";
import {
  CLIENT_LOCATION_HEADER,
  errorResponse,
  pickRequestId,
  REGION_HEADER,
  REQUEST_ID_HEADER,
  upstreamHeaders,
} from "./http.js";
import { createFrontDoorMetrics, type FrontDoorMetrics } from "./metrics.js";
import { clientLocation, type FrontDoorRegion, rankRegions } from "./placement.js";
import type { UpstreamRequest } from "./upstream.js";

export interface FrontDoorEnv {
  /** JSON `[{name, url, location: {lat, lon}, cidrs?}]` */
  REGIONS: string;
}

export interface FrontDoorDeps {
  fetch: FetchLike;
  now?: () => number;
}

/** What one app (one isolate) keeps between requests. */
export interface FrontDoorIsolate extends ForwardDeps {
  metrics: FrontDoorMetrics;
}

type AppEnv = {
  Bindings: FrontDoorEnv;
  Variables: { requestId: string; isolate: FrontDoorIsolate };
};

/** The regions cap job bodies at 1 MiB; the front door holds at most that much per request. */
export const MAX_BODY_BYTES = 1024 * 1024;
const JOB_GET = /^\/v1\/jobs\/[^/]+$/;
/** POST paths whose JSON body may carry a `region` pin. */
const BODY_PIN_PATHS = new Set(["/v1/jobs", "/v1/sandboxes"]);

function bodyRegion(path: string, body: Uint8Array | undefined): string | undefined {
  if (!body || !BODY_PIN_PATHS.has(path)) return undefined;
  try {
    const json = JSON.parse(new TextDecoder().decode(body)) as { region?: unknown };
    return typeof json?.region === "string" ? json.region : undefined;
  } catch {
    return undefined; // the region answers malformed JSON with its own 400
  }
}

export function createApp(deps: FrontDoorDeps): Hono<AppEnv> {
  const isolate: FrontDoorIsolate = {
    fetch: deps.fetch,
    health: new HealthTracker({ fetch: deps.fetch, ...(deps.now ? { now: deps.now } : {}) }),
    metrics: createFrontDoorMetrics(),
  };
  const app = new Hono<AppEnv>();

  /** Background probes outlive the request only through waitUntil (absent outside workerd). */
  const refreshLater = (
    c: { executionCtx: { waitUntil(p: Promise<unknown>): void } },
    regions: FrontDoorRegion[],
  ) => {
    const done = isolate.health.refresh(regions);
    try {
      c.executionCtx.waitUntil(done);
    } catch {
      done.catch(() => {});
    }
  };

  app.use("*", async (c, next) => {
    const requestId = pickRequestId(c.req.header(REQUEST_ID_HEADER));
    c.set("isolate", isolate);
    c.set("requestId", requestId);
    await next();
    if (c.res.headers.get(REQUEST_ID_HEADER) !== requestId) {
      c.res = new Response(c.res.body, c.res);
      c.res.headers.set(REQUEST_ID_HEADER, requestId);
    }
    const region = c.res.headers.get(REGION_HEADER) ?? "none";
    c.var.isolate.metrics.requestsTotal.inc({ region, status: String(c.res.status) });
  });

  app.get("/healthz", async (c) => {
    const { health } = c.var.isolate;
    const regions = parseRegionsBinding(c.env.REGIONS);
    await health.refresh(regions);
    return c.json({
      ok: true,
      regions: regions.map((r) => {
        const reason = health.reason(r.name);
        return {
          name: r.name,
          url: r.url,
          healthy: health.isHealthy(r.name),
          ...(reason ? { reason } : {}),
        };
      }),
    } satisfies Health);
  });

  app.get("/metrics", (c) => {
    const { health, metrics } = c.var.isolate;
    const regions = parseRegionsBinding(c.env.REGIONS);
    refreshLater(c, regions);
    for (const r of regions)
      metrics.regionHealthy.set({ region: r.name }, health.isHealthy(r.name) ? 1 : 0);
    return c.body(metrics.registry.render(), 200, { "content-type": PROMETHEUS_CONTENT_TYPE });
  });

  app.all("*", async (c) => {
    const { health } = c.var.isolate;
    const regions = parseRegionsBinding(c.env.REGIONS);
    refreshLater(c, regions);
    const raw = c.req.raw;
    const url = new URL(raw.url);
    const hasBody = raw.method !== "GET" && raw.method !== "HEAD";
    const body = hasBody ? await readBodyWithLimit(raw, MAX_BODY_BYTES) : undefined;
    const pinned =
      url.searchParams.get("region") ??
      c.req.header(REGION_HEADER) ??
      (raw.method === "POST" ? bodyRegion(url.pathname, body) : undefined);
    const location =
      pinned === undefined
        ? clientLocation(regions, {
            cf: (raw as Request & { cf?: { latitude?: unknown; longitude?: unknown } }).cf,
            locationHeader: c.req.header(CLIENT_LOCATION_HEADER),
            connectingIp: c.req.header("cf-connecting-ip"),
            forwardedFor: c.req.header("x-forwarded-for"),
          })
        : undefined;
    const names = regions.map((r) => r.name);
    const candidates = rankRegions(regions, location, health.snapshot(names), pinned);
    const req: UpstreamRequest = {
      method: raw.method,
      target: `${url.pathname}${url.search}`,
      headers: upstreamHeaders(raw.headers, c.var.requestId),
      body,
      requestId: c.var.requestId,
    };
    if (raw.method === "GET" && JOB_GET.test(url.pathname) && pinned === undefined) {
      const healthy = candidates.filter((r) => health.isHealthy(r.name));
      const ask = healthy.length > 0 ? healthy : candidates;
      const skipped = candidates.filter((r) => !ask.includes(r)).map((r) => r.name);
      return fanOutGet(req, ask, skipped, c.var.isolate);
    }
    return forwardWithFailover(req, candidates, pinned !== undefined, c.var.isolate);
  });

  app.onError((err, c) => errorResponse(err, c.var.requestId));
  return app;
}
