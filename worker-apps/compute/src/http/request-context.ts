/**
 * Request id (accepted or generated), per-request logger, access log line and request counter
 * (the logger and counter of the isolate context, `c.var.isolate`).
 */

import type { MiddlewareHandler } from "hono";
import { HEARTBEAT_PATH, pickRequestId, REQUEST_ID_HEADER } from "../shared/index.js";
import type { AppEnv } from "./app-env.js";
import { routeLabel } from "./metrics.js";

export function requestContext(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = Date.now();
    const { log, metrics } = c.var.isolate;
    const requestId = pickRequestId(c.req.header(REQUEST_ID_HEADER));
    c.set("requestId", requestId);
    c.set("log", log.child({ requestId, region: c.env.REGION }));
    await next();
    // Responses passed through from the emulator (or fetch) have immutable headers: copy once.
    try {
      c.res.headers.set(REQUEST_ID_HEADER, requestId);
    } catch {
      c.res = new Response(c.res.body, c.res);
      c.res.headers.set(REQUEST_ID_HEADER, requestId);
    }
    const status = c.res.status;
    metrics.httpRequestsTotal.inc({ route: routeLabel(c.req.path), status: String(status) });
    // Host heartbeats (one per host per second) are counted, and logged only when they fail.
    const quiet = c.req.path === HEARTBEAT_PATH && status < 400;
    c.var.log[quiet ? "debug" : "info"]("request", {
      method: c.req.method,
      path: c.req.path,
      status,
      tenant: c.get("tenant"),
      ms: Date.now() - started,
    });
  };
}
