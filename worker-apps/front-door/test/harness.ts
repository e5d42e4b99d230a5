/** A front door app over fake regions (a fake `fetch` routing by host), for plain vitest. */

import { createApp } from "../src/app.js";
import type { FrontDoorRegion } from "../src/placement.js";

export type Handler = (req: Request) => Response | Promise<Response>;

export interface Call {
  region: string;
  method: string;
  path: string;
  headers: Headers;
  body: string;
}

export const PARIS = "48.86,2.35";
export const WASHINGTON = "38.9,-77.0";
export const SINGAPORE = "1.35,103.8";

export const REGIONS: FrontDoorRegion[] = [
  {
    name: "eu",
    url: "http://eu.test",
    location: { lat: 48.86, lon: 2.35 },
    cidrs: ["10.1.0.0/16"],
  },
  { name: "us", url: "http://us.test", location: { lat: 38.9, lon: -77 }, cidrs: ["10.2.0.0/16"] },
  { name: "ap", url: "http://ap.test", location: { lat: 1.35, lon: 103.8 } },
];

export const networkError = (): never => {
  throw new Error("Network connection lost.");
};

/** A region Worker that answers `{region, method, path, body}` to anything and ok to /healthz. */
export function echo(name: string): Handler {
  return async (req) => {
    const url = new URL(req.url);
    if (url.pathname === "/healthz") return Response.json({ ok: true, region: name });
    return Response.json({
      region: name,
      method: req.method,
      path: `${url.pathname}${url.search}`,
      body: await req.text(),
    });
  };
}

export function jsonError(
  status: number,
  code: string,
  headers: Record<string, string> = {},
): Response {
  return Response.json({ error: { code, message: code.toLowerCase() } }, { status, headers });
}

export function frontDoor(handlers: Record<string, Handler>) {
  const calls: Call[] = [];
  const clock = { now: 1_000_000 };
  /** regions whose process is gone: every connection fails, handler or not */
  const down = new Set<string>();
  const fetch = async (req: Request): Promise<Response> => {
    const url = new URL(req.url);
    const region = url.hostname.split(".")[0] ?? "";
    const body = req.body ? await req.clone().text() : "";
    calls.push({
      region,
      method: req.method,
      path: `${url.pathname}${url.search}`,
      headers: req.headers,
      body,
    });
    const handler = handlers[region];
    if (!handler || down.has(region)) return networkError();
    // a region that exists is healthy to probes; tests make it unhealthy by removing its handler
    if (url.pathname === "/healthz") return Response.json({ ok: true, region });
    return handler(req);
  };
  const app = createApp({ fetch, now: () => clock.now });
  const env = { REGIONS: JSON.stringify(REGIONS) };
  return {
    calls,
    clock,
    down,
    handlers,
    /** non-probe calls, in order */
    routed: () => calls.filter((c) => c.path !== "/healthz").map((c) => c.region),
    request: (path: string, init: RequestInit = {}) =>
      Promise.resolve(app.request(path, init, env)),
  };
}

export async function errorOf(res: Response): Promise<{ code: string; message: string }> {
  const body = (await res.json()) as { error: { code: string; message: string } };
  return body.error;
}
