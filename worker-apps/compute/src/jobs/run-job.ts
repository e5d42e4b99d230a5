/** Runs one job on the emulator host and waits for its result (async records and RPC `run`). */

import type { Env } from "../config/env.js";
import { callEmulator } from "../emulator/emulator-fetch.js";
import { jobsForwardedTotal } from "../http/metrics.js";
import { EdgevmError, type ErrorBody, type JobResult } from "../shared/index.js";

export type RunOutcome =
  | { ok: true; result: JobResult }
  | { ok: false; status: number; error: ErrorBody; retryAfter: string | null };

export type ForwardMode = "wait" | "stream" | "async" | "rpc_run" | "rpc_stream";

function isErrorBody(value: unknown): value is ErrorBody {
  if (typeof value !== "object" || value === null || !("error" in value)) return false;
  const error = (value as { error: unknown }).error;
  return (
    typeof error === "object" &&
    error !== null &&
    typeof (error as { code?: unknown }).code === "string" &&
    typeof (error as { message?: unknown }).message === "string"
  );
}

export async function runOnEmulator(
  env: Env,
  body: Uint8Array,
  requestId: string,
  mode: ForwardMode,
): Promise<RunOutcome> {
  let response: Response;
  try {
    response = await callEmulator(env, { method: "POST", path: "/v1/jobs", body, requestId });
  } catch (err) {
    jobsForwardedTotal.inc({ mode, status: "error" });
    if (!(err instanceof EdgevmError)) throw err;
    const retryAfter = err.retryAfterS === undefined ? null : String(err.retryAfterS);
    return { ok: false, status: 503, error: err.toBody(), retryAfter };
  }
  jobsForwardedTotal.inc({ mode, status: String(response.status) });
  const parsed: unknown = await response.json().catch(() => undefined);
  if (response.ok && typeof parsed === "object" && parsed !== null && "status" in parsed) {
    return { ok: true, result: parsed as JobResult };
  }
  const error: ErrorBody = isErrorBody(parsed)
    ? parsed
    : {
        error: {
          code: "INTERNAL",
          message: `the emulator host answered ${response.status} without a job result`,
        },
      };
  return {
    ok: false,
    status: response.ok ? 502 : response.status,
    error,
    retryAfter: response.headers.get("retry-after"),
  };
}

/** An outcome's error as a thrown EdgevmError (RPC callers). */
export function outcomeError(outcome: Extract<RunOutcome, { ok: false }>): EdgevmError {
  const retry = outcome.retryAfter === null ? undefined : Number(outcome.retryAfter);
  return new EdgevmError(outcome.error.error.code, outcome.error.error.message, {
    details: outcome.error.error.details,
    ...(retry !== undefined && Number.isFinite(retry) ? { retryAfterS: retry } : {}),
  });
}
