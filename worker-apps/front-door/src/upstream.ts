/**
 * One request to one region and what its answer means for failover. Pure apart from the injected
 * `fetch`: no Worker-only APIs, so it runs under plain vitest too.
 */

import type { FetchLike } from "./health.js";
import type { FrontDoorRegion } from "./placement.js";

/** What the front door sends on to a region (the client's body already read, ≤ the cap). */
export interface UpstreamRequest {
  method: string;
  /** path and query, e.g. `/v1/jobs?wait=false` */
  target: string;
  headers: Headers;
  body: Uint8Array | undefined;
  requestId: string;
}

/**
 * - `answer`: the region's own answer, relayed as is (including its 4xx/5xx errors);
 * - `unavailable`: the region itself is unavailable (a 502/503 that is not an edgevm error, e.g.
 *   from a proxy or workerd, or EMULATOR_UNAVAILABLE / SHUTTING_DOWN): mark it, try the next;
 * - `capacity`: 429/503 with `Retry-After` (NO_CAPACITY, QUEUE_FULL…): nothing ran, try the next.
 */
export type Classified =
  | { kind: "answer"; response: Response }
  | { kind: "unavailable" | "capacity"; response: Response; reason: string; retryAfterS?: number };

/** Error codes with which a region says it cannot serve at all right now. */
export const REGION_DOWN_CODES: ReadonlySet<string> = new Set([
  "EMULATOR_UNAVAILABLE",
  "SHUTTING_DOWN",
]);

/** `Retry-After` in seconds (delta-seconds or an HTTP date); undefined when absent or invalid. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

function errorCode(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown } };
    return typeof body?.error?.code === "string" ? body.error.code : undefined;
  } catch {
    return undefined;
  }
}

/** Classifies a region's response; only 429/502/503 bodies are read (they are small). */
export async function classifyResponse(res: Response): Promise<Classified> {
  if (![429, 502, 503].includes(res.status)) return { kind: "answer", response: res };
  if ((res.headers.get("content-type") ?? "").includes("text/event-stream"))
    return { kind: "answer", response: res };
  const text = await res.text();
  const response = new Response(text, {
    status: res.status,
    statusText: res.statusText,
    headers: res.headers,
  });
  const code = errorCode(text);
  const retryAfterS = parseRetryAfter(res.headers.get("retry-after"));
  const retry = retryAfterS === undefined ? {} : { retryAfterS };
  if (res.status !== 429 && (code === undefined || REGION_DOWN_CODES.has(code))) {
    const reason = `answered ${res.status}${code ? ` ${code}` : " (not from the region Worker)"}`;
    return { kind: "unavailable", response, reason, ...retry };
  }
  if (code !== undefined && retryAfterS !== undefined)
    return { kind: "capacity", response, reason: `answered ${res.status} ${code}`, retryAfterS };
  return { kind: "answer", response };
}

/** Methods that may be sent again after a region may have received them. */
export function isIdempotent(method: string): boolean {
  return ["GET", "HEAD", "OPTIONS", "PUT", "DELETE"].includes(method.toUpperCase());
}

export function sendTo(
  fetch: FetchLike,
  region: FrontDoorRegion,
  req: UpstreamRequest,
  signal?: AbortSignal,
): Promise<Response> {
  return fetch(
    new Request(`${region.url}${req.target}`, {
      method: req.method,
      headers: req.headers,
      ...(req.body !== undefined && req.body.byteLength > 0 ? { body: req.body } : {}),
      redirect: "manual",
      ...(signal ? { signal } : {}),
    }),
  );
}

/** How long a reachability check waits for a region to accept a connection. */
export const REACHABILITY_TIMEOUT_MS = 500;

/**
 * After a fetch threw, did the request (probably) never reach the region? workerd reports a
 * refused connection and a reset one alike ("Network connection lost."), so this asks again:
 * `false` (never reached) when a fresh connection to the region fails outright too — its process
 * is gone; `true` (may have reached) when anything answers, or nothing does within the timeout.
 */
export async function mayHaveReached(fetch: FetchLike, region: FrontDoorRegion): Promise<boolean> {
  const signal = AbortSignal.timeout(REACHABILITY_TIMEOUT_MS);
  try {
    const res = await fetch(new Request(`${region.url}/healthz`, { signal }));
    await res.body?.cancel().catch(() => {});
    return true;
  } catch {
    return signal.aborted;
  }
}

export function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
