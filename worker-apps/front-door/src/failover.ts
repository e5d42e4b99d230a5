/**
 * Forwarding with failover, and the fan-out for `GET /v1/jobs/:id`. Regions are tried in the
 * order `rankRegions` gave; a region's response is streamed back unread (only 429/502/503 error
 * bodies are read to classify them), so SSE output reaches the client while the job runs.
 *
 * Moving on to the next region:
 * - the fetch threw (connection refused/reset): the region is marked unreachable; a non-idempotent
 *   request (POST) moves on only if the region is verifiably not accepting connections
 *   (`mayHaveReached`), otherwise it ends in 502 REGION_CONNECTION_LOST;
 * - the region answered as unavailable (see `classifyResponse`): it is marked for the cooldown; a
 *   POST moves on only for a 503 with `Retry-After`;
 * - capacity (429/503 with `Retry-After`): moves on (nothing ran); the region stays healthy.
 * Never after a response has started streaming back: by then it is the client's.
 */

import { EdgevmError } from "@edgevm/contract";
import type { FetchLike, HealthTracker } from "./health.js";
import { relayResponse } from "./http.js";
import type { FrontDoorMetrics } from "./metrics.js";
import type { FrontDoorRegion } from "./placement.js";
import {
  classifyResponse,
  describeError,
  isIdempotent,
  mayHaveReached,
  sendTo,
  type UpstreamRequest,
} from "./upstream.js";

export interface ForwardDeps {
  fetch: FetchLike;
  health: HealthTracker;
  metrics: Pick<FrontDoorMetrics, "failoversTotal">;
}

function relay(res: Response, region: string, req: UpstreamRequest): Response {
  return relayResponse(res, region, req.requestId);
}

function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  return b === undefined ? a : Math.min(a, b);
}

/** Sends `req` to the first region of `candidates` that takes it (see the module comment). */
export async function forwardWithFailover(
  req: UpstreamRequest,
  candidates: readonly FrontDoorRegion[],
  pinned: boolean,
  deps: ForwardDeps,
): Promise<Response> {
  const attempts: string[] = [];
  let retryAfterS: number | undefined;
  for (const [i, region] of candidates.entries()) {
    const next = candidates[i + 1];
    let res: Response;
    try {
      res = await sendTo(deps.fetch, region, req);
    } catch (err) {
      const reason = `unreachable (${describeError(err)})`;
      deps.health.markFailed(region.name, reason, true);
      if (!isIdempotent(req.method) && (await mayHaveReached(deps.fetch, region))) {
        throw new EdgevmError(
          "REGION_CONNECTION_LOST",
          `region ${region.name} dropped the connection after the ${req.method} may have reached it; not retried elsewhere because it may have run`,
          { details: { region: region.name, tried: [...attempts, `${region.name}: ${reason}`] } },
        );
      }
      attempts.push(`${region.name}: ${reason}`);
      if (next) deps.metrics.failoversTotal.inc({ from: region.name, reason: "unreachable" });
      continue;
    }
    const c = await classifyResponse(res);
    if (c.kind === "answer") return relay(c.response, region.name, req);
    if (c.kind === "unavailable") deps.health.markFailed(region.name, c.reason, false);
    const movable =
      c.kind === "capacity" ||
      isIdempotent(req.method) ||
      (c.response.status === 503 && c.retryAfterS !== undefined);
    // a pinned region's own capacity answer (with its Retry-After) is the best answer there is
    if (!movable || (pinned && c.kind === "capacity")) return relay(c.response, region.name, req);
    attempts.push(`${region.name}: ${c.reason}`);
    retryAfterS = minDefined(retryAfterS, c.retryAfterS);
    if (next) deps.metrics.failoversTotal.inc({ from: region.name, reason: c.kind });
  }
  const retry = retryAfterS ?? Math.ceil(deps.health.cooldownMs / 1000);
  if (pinned) {
    const name = candidates[0]?.name ?? "?";
    throw new EdgevmError(
      "REGION_UNAVAILABLE",
      `region ${name} is unavailable (${attempts.join("; ")}); retry later or drop the region pin`,
      { retryAfterS: retry, details: { region: name, tried: attempts } },
    );
  }
  throw new EdgevmError(
    "NO_REGION_AVAILABLE",
    `no region could take the request; tried ${attempts.join("; ")}`,
    { retryAfterS: retry, details: { tried: attempts } },
  );
}

/**
 * `GET /v1/jobs/:id` without a pin: asks every candidate at once and returns the first answer that
 * is not a 404 (the region that holds the job). All 404 → 404 NOT_FOUND. When some region could
 * not be asked (down, or in `skipped` as unhealthy) and the rest said 404, the job may be there:
 * 503 NO_REGION_AVAILABLE with `Retry-After` rather than a 404 that may be wrong.
 */
export async function fanOutGet(
  req: UpstreamRequest,
  candidates: readonly FrontDoorRegion[],
  skipped: readonly string[],
  deps: ForwardDeps,
): Promise<Response> {
  const controllers = candidates.map(() => new AbortController());
  const notFound: string[] = [];
  const failed: string[] = skipped.map((name) => `${name}: unhealthy, not asked`);
  let winner: Response | undefined;
  await new Promise<void>((resolve) => {
    let pending = candidates.length;
    const settle = () => {
      pending -= 1;
      if (pending === 0) resolve();
    };
    if (pending === 0) resolve();
    candidates.forEach((region, i) => {
      const controller = controllers[i] ?? new AbortController();
      sendTo(deps.fetch, region, req, controller.signal)
        .then(async (res) => {
          if (winner) {
            await res.body?.cancel().catch(() => {});
            return;
          }
          if (res.status === 404) {
            notFound.push(region.name);
            await res.body?.cancel().catch(() => {});
            return;
          }
          const c = await classifyResponse(res);
          if (winner) {
            await c.response.body?.cancel().catch(() => {});
            return;
          }
          if (c.kind === "answer") {
            winner = relay(c.response, region.name, req);
            controllers.forEach((other, j) => {
              if (j !== i) other.abort();
            });
            resolve();
            return;
          }
          if (c.kind === "unavailable") deps.health.markFailed(region.name, c.reason, false);
          failed.push(`${region.name}: ${c.reason}`);
        })
        .catch((err: unknown) => {
          if (winner) return;
          const reason = `unreachable (${describeError(err)})`;
          deps.health.markFailed(region.name, reason, true);
          failed.push(`${region.name}: ${reason}`);
        })
        .finally(settle);
    });
  });
  if (winner) return winner;
  if (failed.length === 0) {
    throw new EdgevmError("NOT_FOUND", `no region has ${req.target.split("?")[0]}`, {
      details: { notFoundIn: notFound },
    });
  }
  const notFoundText = notFound.length ? `not found in ${notFound.join(", ")}; ` : "";
  throw new EdgevmError(
    "NO_REGION_AVAILABLE",
    `${notFoundText}could not ask ${failed.join("; ")} — the job may be there, retry later`,
    {
      retryAfterS: Math.ceil(deps.health.cooldownMs / 1000),
      details: { notFoundIn: notFound, tried: failed },
    },
  );
}
