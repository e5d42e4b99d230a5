/**
 * The Hono frame both example apps share: a request id on every request and response, and the
 * JSON answers for unknown routes and unexpected failures. Each app adds its own routes between
 * `exampleApp()` and `withFallbacks()`.
 */

import { Hono } from "hono";
import type { Env } from "./env.js";
import { errorResponse, pickRequestId, REQUEST_ID_HEADER } from "./http.js";

export type ExampleAppEnv = { Bindings: Env; Variables: { requestId: string } };

/** A Hono app whose every request has `c.var.requestId` (the caller's sane id, or a new one). */
export function exampleApp(): Hono<ExampleAppEnv> {
  const app = new Hono<ExampleAppEnv>();
  app.use(async (c, next) => {
    const requestId = pickRequestId(c.req.header(REQUEST_ID_HEADER));
    c.set("requestId", requestId);
    await next();
    // A piped SSE response may come with immutable headers: copy once.
    try {
      c.res.headers.set(REQUEST_ID_HEADER, requestId);
    } catch {
      c.res = new Response(c.res.body, c.res);
      c.res.headers.set(REQUEST_ID_HEADER, requestId);
    }
  });
  return app;
}

/** 404 NOT_FOUND with `routesHint` for unknown routes; 500 INTERNAL (logged) for anything thrown. */
export function withFallbacks(app: Hono<ExampleAppEnv>, routesHint: string): Hono<ExampleAppEnv> {
  app.notFound(() => errorResponse(404, "NOT_FOUND", `no such route: ${routesHint}`));
  app.onError((err) => {
    console.error(JSON.stringify({ msg: "unhandled error", error: String(err) }));
    return errorResponse(500, "INTERNAL", "internal error");
  });
  return app;
}
