/** Helpers for the text-pipeline tests (they run inside workerd). */

import { env, exports } from "cloudflare:workers";
import type { FakeCall, FakeScript } from "@edgevm/example-kit/testing/fake-vms";

export const BASE = "https://text-pipeline.test";

/** A fresh request id per test: the fake compute Worker keys its records by it. */
export function newRequestId(): string {
  return `t-${crypto.randomUUID()}`;
}

/** Scripts the fake for this request id, then sends the request to the app's default export. */
export async function send(
  path: string,
  requestId: string,
  init: RequestInit = {},
  script?: FakeScript,
): Promise<Response> {
  if (script !== undefined) await env.FAKE_VMS.script(requestId, script);
  const headers = new Headers(init.headers);
  headers.set("x-request-id", requestId);
  return exports.default.fetch(new Request(`${BASE}${path}`, { method: "POST", ...init, headers }));
}

/** The jobs the fake compute Worker received for this request id. */
export function callsFor(requestId: string): Promise<FakeCall[]> {
  return env.FAKE_VMS.calls(requestId);
}

export async function errorOf(res: Response): Promise<{ code: string; message: string }> {
  const body = (await res.json()) as { error: { code: string; message: string } };
  return body.error;
}
