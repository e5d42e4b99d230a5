/** Request id, per-request logger, access log line and the HTTP request counter. */

import { pickRequestId, REQUEST_ID_HEADER } from "@edgevm/contract";
import type { Logger } from "@edgevm/observability";
import type { MiddlewareHandler } from "hono";
import type { EmulatorMetrics } from "../metrics/index.js";
import type { ApiEnv } from "./env.js";

/** `route` label values: known paths as themselves, anything else collapsed (bounded cardinality). */
export function routeLabel(path: string, knownRoutes: ReadonlySet<string>): string {
  return knownRoutes.has(path) ? path : "unmatched";
}

/** Paths polled by machines; their access lines are logged at debug level. */
const QUIET_PATHS = new Set(["/healthz", "/metrics"]);

export function requestContext(options: {
  logger: Logger;
  metrics: EmulatorMetrics;
  knownRoutes: ReadonlySet<string>;
}): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const started = performance.now();
    const requestId = pickRequestId(c.req.header(REQUEST_ID_HEADER));
    const log = options.logger.child({ requestId });
    c.set("requestId", requestId);
    c.set("log", log);
    await next();
    c.res.headers.set(REQUEST_ID_HEADER, requestId);
    const status = c.res.status;
    const route = routeLabel(c.req.path, options.knownRoutes);
    options.metrics.httpRequestsTotal.inc({ route, status: String(status) });
    const fields = {
      method: c.req.method,
      path: c.req.path,
      status,
      ms: Math.round((performance.now() - started) * 100) / 100,
    };
    if (QUIET_PATHS.has(c.req.path) && status < 400) log.debug("request", fields);
    else log.info("request", fields);
  };
}
