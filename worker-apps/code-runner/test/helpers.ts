/** Helpers for the code-runner tests (they run inside workerd). */

import { env, exports } from "cloudflare:workers";
import type { FakeCall, FakeScript } from "@edgevm/example-kit/testing/fake-vms";

export const BASE = "https://code-runner.test";

/** A fresh request id per test: the fake compute Worker keys its records by it. */
export function newRequestId(): string {
  return `t-${crypto.randomUUID()}`;
}

export interface PostOptions {
  requestId: string;
  json?: unknown;
  raw?: string;
  contentType?: string;
  script?: FakeScript;
}

/** Scripts the fake for this request id, then POSTs to the app's default export. */
export async function post(path: string, options: PostOptions): Promise<Response> {
  if (options.script !== undefined) await env.FAKE_VMS.script(options.requestId, options.script);
  const headers = new Headers({ "x-request-id": options.requestId });
  let body: string | undefined = options.raw;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers.set("content-type", "application/json");
  }
  if (options.contentType !== undefined) headers.set("content-type", options.contentType);
  return exports.default.fetch(
    new Request(`${BASE}${path}`, {
      method: "POST",
      headers,
      ...(body === undefined ? {} : { body }),
    }),
  );
}

/** The jobs the fake compute Worker received for this request id. */
export function callsFor(requestId: string): Promise<FakeCall[]> {
  return env.FAKE_VMS.calls(requestId);
}

export async function errorOf(res: Response): Promise<{ code: string; message: string }> {
  const body = (await res.json()) as { error: { code: string; message: string } };
  return body.error;
}
