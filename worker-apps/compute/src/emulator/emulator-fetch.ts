/**
 * The one way the Worker sends a signed request to an emulator host. Hosts of the region's
 * directory are reached by their advertised URL (`hosts/host-set.ts`); the configured host is the
 * fallback: production and the generated workerd config bind `EMULATOR` as a service binding to
 * its external address; `wrangler dev` (4.115) can only bind services to other Workers, never to
 * an external address, so there the root `wrangler.toml` sets `EMULATOR_URL` and this falls back to a
 * plain `fetch`.
 */

import type { Env } from "../config/env.js";
import { EdgevmError, signRequest } from "../shared/index.js";

/** Host part for requests through the service binding (a binding ignores it; only the path counts). */
const BINDING_ORIGIN = "http://emulator.internal";

/** Seconds a client should wait before retrying when the emulator host cannot be reached. */
const UNREACHABLE_RETRY_AFTER_S = 1;

export type EmulatorFetch = (request: Request) => Promise<Response>;

export interface EmulatorTarget {
  origin: string;
  fetch: EmulatorFetch;
  /** what `/v1/regions` reports as the host's url */
  describe: string;
}

export function emulatorFetch(env: Env): EmulatorTarget {
  const binding = env.EMULATOR;
  if (binding !== undefined) {
    return {
      origin: BINDING_ORIGIN,
      fetch: (request) => binding.fetch(request),
      describe: env.EMULATOR_URL ?? "service-binding:EMULATOR",
    };
  }
  const url = env.EMULATOR_URL;
  if (url === undefined || url === "") {
    throw new EdgevmError(
      "INTERNAL",
      "no emulator host configured: bind EMULATOR (service) or set EMULATOR_URL",
    );
  }
  const origin = new URL(url).origin;
  return { origin, fetch: (request) => fetch(request), describe: origin };
}

export interface EmulatorCall {
  method: "GET" | "POST";
  /** path plus query exactly as sent (it is signed) */
  path: string;
  /** the exact bytes sent (they are signed) */
  body?: Uint8Array;
  accept?: string;
  requestId: string;
  signal?: AbortSignal;
}

/**
 * Sends one signed request. Any HTTP answer (including errors) is returned as is, for the caller to
 * pass through; a network failure becomes EMULATOR_UNAVAILABLE (503, Retry-After).
 */
export async function callEmulator(
  env: Env,
  call: EmulatorCall,
  target: EmulatorTarget = emulatorFetch(env),
): Promise<Response> {
  if (!env.EMULATOR_SECRET) {
    throw new EdgevmError(
      "INVALID_CONFIG",
      "EMULATOR_SECRET is not set: `.dev.vars` for wrangler dev, `wrangler secret put` for a deployment",
    );
  }
  const body = call.body ?? new Uint8Array(0);
  const signed = await signRequest({
    secret: env.EMULATOR_SECRET,
    method: call.method,
    path: call.path,
    body,
  });
  const headers = new Headers(signed);
  headers.set("x-request-id", call.requestId);
  if (call.accept !== undefined) headers.set("accept", call.accept);
  if (call.method === "POST") headers.set("content-type", "application/json");
  const init: RequestInit = { method: call.method, headers };
  if (call.method === "POST") init.body = body;
  if (call.signal !== undefined) init.signal = call.signal;
  try {
    return await target.fetch(new Request(`${target.origin}${call.path}`, init));
  } catch (err) {
    throw new EdgevmError(
      "EMULATOR_UNAVAILABLE",
      `emulator host ${target.describe} is unreachable`,
      {
        retryAfterS: UNREACHABLE_RETRY_AFTER_S,
        cause: err,
      },
    );
  }
}
