/** Under `/v1`: read the raw body (with the size cap), then require a valid HMAC signature. */

import { assertSignedRequest, readBodyWithLimit } from "@edgevm/contract";
import type { MiddlewareHandler } from "hono";
import type { ApiEnv } from "./env.js";

export function requireSignature(options: {
  secret: string;
  maxBodyBytes: number;
  maxSkewMs?: number;
  now?: () => number;
}): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const body = await readBodyWithLimit(c.req.raw, options.maxBodyBytes);
    const url = new URL(c.req.url);
    await assertSignedRequest({
      secret: options.secret,
      method: c.req.method,
      path: `${url.pathname}${url.search}`,
      body,
      headers: c.req.raw.headers,
      now: options.now?.() ?? Date.now(),
      maxSkewMs: options.maxSkewMs,
    });
    c.set("rawBody", body);
    await next();
  };
}
