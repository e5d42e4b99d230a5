/**
 * `GET /v1/regions`: this region from its directory of hosts (or its configured host when none
 * joined), every other region as it answers `?scope=self` itself (its hosts and pool), or by a
 * health probe when it cannot say. `GET /v1/images`.
 */

import { Hono } from "hono";
import type { Env } from "../config/env.js";
import { parseRegions, type RegionConfig } from "../config/parse.js";
import { callEmulator, emulatorFetch } from "../emulator/emulator-fetch.js";
import type { Member } from "../hosts/members.js";
import type { AppEnv } from "../http/app-env.js";
import type { IsolateContext } from "../isolate.js";
import {
  type Capacity,
  capacitySchema,
  EdgevmError,
  type HostView,
  type ImageCapacity,
  REQUEST_ID_HEADER,
  type RegionPool,
  type RegionView,
  regionListSchema,
} from "../shared/index.js";

/**
 * How long (ms) to wait for another region's `/healthz` before calling it unhealthy: a listing
 * must stay fast even when a region is down, and a healthy region answers in a few ms.
 */
export const REGION_PROBE_TIMEOUT_MS = 500;

/** `now`: the isolate's clock, the directory's clock for `lastSeenAt` (both `Date.now` deployed) */
function hostView(cap: Capacity, url: string, now: number, member?: Member): HostView {
  return {
    id: cap.host,
    url,
    healthy: true,
    state: member?.state ?? "active",
    lastSeenMs: member === undefined ? null : Math.max(0, now - member.lastSeenAt),
    startedAt: member?.startedAt ?? null,
    capacity: { ...cap.slots, queue: cap.queue, accel: cap.accel },
    images: cap.images.map((i) => ({ name: i.name, warm: i.warm, target: i.targetWarm })),
  };
}

function regionView(self: RegionConfig, hosts: HostView[], caps: Capacity[]): RegionView {
  const sum = (f: (cap: Capacity) => number) => caps.reduce((n, cap) => n + f(cap), 0);
  const images = (f: (i: ImageCapacity) => number) =>
    sum((cap) => cap.images.reduce((n, i) => n + f(i), 0));
  const pool: RegionPool = {
    warm: images((i) => i.warm),
    busy: sum((cap) => cap.slots.busy),
    target: images((i) => i.targetWarm ?? 0),
  };
  return { name: self.name, url: self.url, healthy: hosts.length > 0, hosts, pool };
}

/** This region: every host in its directory, or its configured host (asked now) when none joined. */
async function ownRegion(
  env: Env,
  isolate: Pick<IsolateContext, "hosts" | "now">,
  self: RegionConfig,
  requestId: string,
): Promise<RegionView> {
  const down: RegionView = {
    name: self.name,
    url: self.url,
    healthy: false,
    hosts: [],
    pool: null,
  };
  const members = await isolate.hosts.members(env).catch(() => [] as Member[]);
  if (members.length > 0) {
    const now = isolate.now();
    const caps = members.map((m) => m.capacity);
    return regionView(
      self,
      members.map((m) => hostView(m.capacity, m.url, now, m)),
      caps,
    );
  }
  try {
    const res = await callEmulator(env, { method: "GET", path: "/v1/capacity", requestId });
    if (!res.ok) throw new Error(`capacity answered ${res.status}`);
    // a host is validated like any input: a malformed answer makes this region look down
    const cap = capacitySchema.parse(await res.json());
    return regionView(self, [hostView(cap, emulatorFetch(env).describe, isolate.now())], [cap]);
  } catch {
    return down;
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

/**
 * Another region as it sees itself (`GET /v1/regions?scope=self`, with the caller's key, so it
 * lists its hosts and pool); a region that cannot be reached is unhealthy, and one that answers
 * otherwise (an older release, another key set) is listed by its health probe, without hosts.
 */
async function otherRegion(
  region: RegionConfig,
  headers: Record<string, string>,
): Promise<RegionView> {
  const bare = (healthy: boolean): RegionView => ({
    name: region.name,
    url: region.url,
    healthy,
    hosts: [],
    pool: null,
  });
  let res: Response;
  try {
    res = await fetch(new URL(`/v1/regions?scope=${SCOPE_SELF}`, region.url), {
      headers,
      signal: AbortSignal.timeout(REGION_PROBE_TIMEOUT_MS),
    });
  } catch {
    return bare(false);
  }
  if (res.ok) {
    const parsed = regionListSchema.safeParse(await res.json().catch(() => null));
    const view = parsed.success ? parsed.data[0] : undefined;
    if (view?.name === region.name) return { ...view, url: region.url };
  } else {
    await res.body?.cancel();
  }
  return bare(await probe(region.url));
}

/** `?scope=self`: only the answering region (what other regions ask; no fan-out from there). */
const SCOPE_SELF = "self";

export function regionRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/regions", async (c) => {
    const scope = c.req.query("scope");
    if (scope !== undefined && scope !== SCOPE_SELF) {
      throw new EdgevmError(
        "INVALID_REQUEST",
        `scope: must be "${SCOPE_SELF}" (only this region) or absent (every region), got ${JSON.stringify(scope)}`,
      );
    }
    const regions = parseRegions(c.env.REGIONS);
    const listed = regions.some((r) => r.name === c.env.REGION);
    const all = listed
      ? regions
      : [{ name: c.env.REGION, url: new URL(c.req.url).origin }, ...regions];
    const self = all.find((r) => r.name === c.env.REGION) ?? {
      name: c.env.REGION,
      url: new URL(c.req.url).origin,
    };
    if (scope === SCOPE_SELF) {
      return c.json([await ownRegion(c.env, c.var.isolate, self, c.var.requestId)]);
    }
    // The caller's key and request id go along: the other regions hold the same keys.
    const headers: Record<string, string> = { [REQUEST_ID_HEADER]: c.var.requestId };
    const authorization = c.req.header("authorization");
    if (authorization !== undefined) headers.authorization = authorization;
    // In REGIONS order; every region is asked in parallel.
    const views = await Promise.all(
      all.map((r) =>
        r.name === c.env.REGION
          ? ownRegion(c.env, c.var.isolate, r, c.var.requestId)
          : otherRegion(r, headers),
      ),
    );
    return c.json(views);
  });

  // The images of the best-placed host (every host of a region runs the same release).
  app.get("/images", async (c) => {
    const [host] = await c.var.isolate.hosts.candidates(c.env, "base");
    if (host === undefined) {
      throw new EdgevmError("EMULATOR_UNAVAILABLE", `region ${c.env.REGION} has no emulator host`, {
        retryAfterS: 1,
      });
    }
    const upstream = await callEmulator(
      c.env,
      { method: "GET", path: "/v1/images", requestId: c.var.requestId },
      host,
    );
    return new Response(upstream.body, upstream);
  });

  return app;
}
