/** `GET /v1/regions` (this region from its emulator host, others by a health probe), `GET /v1/images`. */

import { Hono } from "hono";
import type { Env } from "../config/env.js";
import { parseRegions, type RegionConfig } from "../config/parse.js";
import { callEmulator, emulatorFetch } from "../emulator/emulator-fetch.js";
import type { AppEnv } from "../http/app-env.js";
import type { Capacity } from "../shared/index.js";

/**
 * How long (ms) to wait for another region's `/healthz` before calling it unhealthy: a listing
 * must stay fast even when a region is down, and a healthy region answers in a few ms.
 */
export const REGION_PROBE_TIMEOUT_MS = 500;

export interface HostView {
  id: string;
  url: string;
  healthy: boolean;
  capacity: Capacity["slots"] & { queue: Capacity["queue"]; accel: Capacity["accel"] };
}

export interface RegionView {
  name: string;
  url: string;
  healthy: boolean;
  /** this region: its emulator host(s); other regions: empty (ask that region) */
  hosts: HostView[];
  /**
   * Warm VMs, busy slots and the pool target (warm VMs the host's pools aim to keep). Null for
   * other regions.
   */
  pool: { warm: number; busy: number; target: number | null } | null;
}

async function ownRegion(env: Env, self: RegionConfig, requestId: string): Promise<RegionView> {
  const hostUrl = emulatorFetch(env).describe;
  try {
    const res = await callEmulator(env, { method: "GET", path: "/v1/capacity", requestId });
    if (!res.ok) throw new Error(`capacity answered ${res.status}`);
    const cap = (await res.json()) as Capacity;
    const warm = cap.images.reduce((sum, image) => sum + image.warm, 0);
    return {
      name: self.name,
      url: self.url,
      healthy: true,
      hosts: [
        {
          id: cap.host,
          url: hostUrl,
          healthy: true,
          capacity: { ...cap.slots, queue: cap.queue, accel: cap.accel },
        },
      ],
      pool: {
        warm,
        busy: cap.slots.busy,
        target: cap.images.reduce((sum, image) => sum + (image.targetWarm ?? 0), 0),
      },
    };
  } catch {
    return { name: self.name, url: self.url, healthy: false, hosts: [], pool: null };
  }
}

async function probe(url: string): Promise<boolean> {
  try {
    const res = await fetch(new URL("/healthz", url), {
      signal: AbortSignal.timeout(REGION_PROBE_TIMEOUT_MS),
    });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

async function otherRegion(region: RegionConfig): Promise<RegionView> {
  return {
    name: region.name,
    url: region.url,
    healthy: await probe(region.url),
    hosts: [],
    pool: null,
  };
}

export function regionRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/regions", async (c) => {
    const regions = parseRegions(c.env.REGIONS);
    const listed = regions.some((r) => r.name === c.env.REGION);
    const all = listed
      ? regions
      : [{ name: c.env.REGION, url: new URL(c.req.url).origin }, ...regions];
    // In REGIONS order; every probe runs in parallel.
    const views = await Promise.all(
      all.map((r) =>
        r.name === c.env.REGION ? ownRegion(c.env, r, c.var.requestId) : otherRegion(r),
      ),
    );
    return c.json(views);
  });

  app.get("/images", async (c) => {
    const upstream = await callEmulator(c.env, {
      method: "GET",
      path: "/v1/images",
      requestId: c.var.requestId,
    });
    return new Response(upstream.body, upstream);
  });

  return app;
}
