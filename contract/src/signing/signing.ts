/**
 * HMAC request signing between the region Worker and the emulator service. Web Crypto only.
 *
 *   x-edgevm-timestamp: <unix ms>
 *   x-edgevm-signature: v1=<hex(HMAC-SHA256(secret, `${ts}\n${METHOD}\n${pathWithQuery}\n${hex(sha256(body))}`))>
 */

import { EdgevmError } from "../errors/index.js";
import { fromHex, timingSafeEqual, toBytes, toHex } from "./encoding.js";

export const TIMESTAMP_HEADER = "x-edgevm-timestamp";
export const SIGNATURE_HEADER = "x-edgevm-signature";
export const SIGNATURE_VERSION = "v1";

/**
 * How far (milliseconds, either direction) a request's timestamp may be from the verifier's clock.
 * Bounds the replay window of a captured request while tolerating ordinary clock drift between the
 * Worker and the host.
 */
export const DEFAULT_MAX_SKEW_MS = 60_000;

export type Body = string | Uint8Array;

export interface SignInput {
  secret: string;
  method: string;
  /** path plus query string exactly as sent, e.g. `/v1/jobs?wait=false` */
  path: string;
  body?: Body;
  /** unix ms; defaults to Date.now() */
  now?: number;
}

/** A type alias (not an interface) so it is assignable to `HeadersInit` for `fetch`. */
export type SignedHeaders = {
  [TIMESTAMP_HEADER]: string;
  [SIGNATURE_HEADER]: string;
};

/** Anything with a case-insensitive `get`, such as `Headers`. */
export interface HeaderSource {
  get(name: string): string | null;
}

export interface VerifyInput {
  secret: string;
  method: string;
  path: string;
  body?: Body;
  headers: HeaderSource;
  /** unix ms; defaults to Date.now() */
  now?: number;
  maxSkewMs?: number;
}

export type VerifyFailureReason =
  | "missing_timestamp"
  | "missing_signature"
  | "malformed_timestamp"
  | "malformed_signature"
  | "stale_timestamp"
  | "bad_signature";

export type VerifyResult =
  | { ok: true }
  | { ok: false; reason: VerifyFailureReason; message: string };

async function sha256Hex(body: Body): Promise<string> {
  return toHex(await crypto.subtle.digest("SHA-256", toBytes(body)));
}

/** The exact bytes that are signed. */
export async function canonicalString(
  timestamp: string,
  method: string,
  path: string,
  body: Body,
): Promise<string> {
  return `${timestamp}\n${method.toUpperCase()}\n${path}\n${await sha256Hex(body)}`;
}

async function hmac(secret: string, message: string): Promise<Uint8Array> {
  if (secret.length === 0) throw new Error("signing secret must not be empty");
  const key = await crypto.subtle.importKey(
    "raw",
    toBytes(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, toBytes(message)));
}

export async function signRequest(input: SignInput): Promise<SignedHeaders> {
  const timestamp = String(Math.trunc(input.now ?? Date.now()));
  const canonical = await canonicalString(timestamp, input.method, input.path, input.body ?? "");
  const mac = await hmac(input.secret, canonical);
  return {
    [TIMESTAMP_HEADER]: timestamp,
    [SIGNATURE_HEADER]: `${SIGNATURE_VERSION}=${toHex(mac)}`,
  };
}

function fail(reason: VerifyFailureReason, message: string): VerifyResult {
  return { ok: false, reason, message };
}

export async function verifyRequest(input: VerifyInput): Promise<VerifyResult> {
  const maxSkewMs = input.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
  const now = input.now ?? Date.now();
  const timestamp = input.headers.get(TIMESTAMP_HEADER);
  const signature = input.headers.get(SIGNATURE_HEADER);
  if (timestamp === null || timestamp === "") {
    return fail("missing_timestamp", `missing ${TIMESTAMP_HEADER} header`);
  }
  if (signature === null || signature === "") {
    return fail("missing_signature", `missing ${SIGNATURE_HEADER} header`);
  }
  if (!/^\d{1,16}$/.test(timestamp)) {
    return fail("malformed_timestamp", `${TIMESTAMP_HEADER} must be unix milliseconds`);
  }
  const skew = now - Number(timestamp);
  if (Math.abs(skew) > maxSkewMs) {
    const direction = skew > 0 ? "old" : "in the future";
    return fail(
      "stale_timestamp",
      `stale request: ${TIMESTAMP_HEADER} is ${Math.abs(skew)} ms ${direction} (allowed skew ${maxSkewMs} ms)`,
    );
  }
  const prefix = `${SIGNATURE_VERSION}=`;
  const given = signature.startsWith(prefix) ? fromHex(signature.slice(prefix.length)) : undefined;
  if (given === undefined || given.length !== 32) {
    return fail(
      "malformed_signature",
      `${SIGNATURE_HEADER} must be "${prefix}" followed by 64 hex digits`,
    );
  }
  const canonical = await canonicalString(timestamp, input.method, input.path, input.body ?? "");
  const expected = await hmac(input.secret, canonical);
  if (!timingSafeEqual(given, expected)) {
    return fail("bad_signature", "request signature does not match");
  }
  return { ok: true };
}

/** verifyRequest, throwing `UNAUTHORIZED` (401) with the failure's message. */
export async function assertSignedRequest(input: VerifyInput): Promise<void> {
  const result = await verifyRequest(input);
  if (!result.ok) {
    throw new EdgevmError("UNAUTHORIZED", result.message, { details: { reason: result.reason } });
  }
}
