/** Helpers for the Worker tests (they run inside workerd). */

import { env, exports } from "cloudflare:workers";
import { KEY_A } from "./keys.js";

export const BASE = "https://compute.test";

export interface CallOptions {
  method?: string;
  key?: string | null;
  body?: unknown;
  /** sent as is (no JSON encoding) */
  rawBody?: string;
  headers?: Record<string, string>;
}

/** A request to the Worker's default export (`SELF`). */
export function call(path: string, options: CallOptions = {}): Promise<Response> {
  const headers = new Headers(options.headers);
  const key = options.key === undefined ? KEY_A : options.key;
  if (key !== null) headers.set("authorization", `Bearer ${key}`);
  let body: string | undefined = options.rawBody;
  if (body === undefined && options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers.set("content-type", "application/json");
  return exports.default.fetch(
    new Request(`${BASE}${path}`, {
      method: options.method ?? (body === undefined ? "GET" : "POST"),
      headers,
      ...(body === undefined ? {} : { body }),
    }),
  );
}

export async function errorOf(res: Response): Promise<{ code: string; message: string }> {
  const body = (await res.json()) as { error: { code: string; message: string } };
  return body.error;
}

/** Opens a gate of the fake emulator (see test/node/fake-emulator.ts). */
export async function release(gate: string): Promise<void> {
  const emulator = env.EMULATOR;
  if (emulator === undefined) throw new Error("EMULATOR is not bound");
  const res = await emulator.fetch(`http://fake/__fake/release/${gate}`, { method: "POST" });
  await res.body?.cancel();
}

/** The runs the fake emulator saw for jobs whose env has MARKER=marker. */
export async function fakeCalls(
  marker: string,
): Promise<Array<{ requestId: string | undefined; command: string[] }>> {
  const emulator = env.EMULATOR;
  if (emulator === undefined) throw new Error("EMULATOR is not bound");
  const res = await emulator.fetch(`http://fake/__fake/calls?marker=${marker}`);
  return res.json();
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}

/** Polls `check` until it returns a value (not undefined) or the deadline passes. */
export async function until<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 5_000,
  intervalMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
