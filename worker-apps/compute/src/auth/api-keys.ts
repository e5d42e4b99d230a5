/**
 * API key authentication: `Authorization: Bearer <key>`, hashed with SHA-256 (Web Crypto) and
 * compared in constant time against every configured hash, so neither the match position nor an
 * early mismatch is observable in the timing.
 */

import type { MiddlewareHandler } from "hono";
import { parseApiKeys } from "../config/parse.js";
import type { AppEnv } from "../http/app-env.js";
import { EdgevmError, fromHex, timingSafeEqual } from "../shared/index.js";

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

export async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

/** The tenant of `key`, or undefined. Checks every entry (no early exit on a match). */
export async function tenantForKey(key: string, apiKeysJson: string): Promise<string | undefined> {
  const entries = parseApiKeys(apiKeysJson);
  const digest = await sha256(key);
  let tenant: string | undefined;
  for (const entry of entries) {
    const expected = fromHex(entry.sha256) ?? new Uint8Array(32);
    if (timingSafeEqual(digest, expected) && tenant === undefined) tenant = entry.tenant;
  }
  return tenant;
}

/** Requires a valid API key; sets `tenant`. 401 UNAUTHORIZED otherwise. */
export function requireApiKey(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const match = BEARER.exec(c.req.header("authorization") ?? "");
    const key = match?.[1];
    if (key === undefined) {
      throw new EdgevmError("UNAUTHORIZED", "missing API key: send Authorization: Bearer <key>");
    }
    const tenant = await tenantForKey(key, c.env.API_KEYS);
    if (tenant === undefined) throw new EdgevmError("UNAUTHORIZED", "invalid API key");
    c.set("tenant", tenant);
    await next();
  };
}
