/**
 * Runs one job on the region's hosts (`emulator/dispatch.ts`) and reports how it ended: its
 * result, an error (the job's own, or no host could take it), or `lost` — the host died after the
 * job had started. Used by the wait mode of `POST /v1/jobs`, async records and RPC `run`;
 * `streamJob` is the stream mode's counterpart.
 */

import type { Env } from "../config/env.js";
import { type DispatchRequest, dispatchJob } from "../emulator/dispatch.js";
import { collectResult, guardStream, hostLostError } from "../emulator/sse.js";
import type { JobDeps } from "../isolate.js";
import {
  EdgevmError,
  ERROR_STATUS,
  type ErrorBody,
  type ErrorCode,
  type JobResult,
} from "../shared/index.js";

export type RunOutcome =
  | { kind: "result"; result: JobResult }
  | { kind: "error"; status: number; error: ErrorBody; retryAfter: string | null }
  | { kind: "lost"; host: string; error: EdgevmError };

export type ForwardMode = "wait" | "stream" | "async" | "rpc_run" | "rpc_stream";

export interface RunRequest extends DispatchRequest {
  mode: ForwardMode;
}

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

function statusOf(code: string): number {
  return Object.hasOwn(ERROR_STATUS, code) ? ERROR_STATUS[code as ErrorCode] : 500;
}

function refused(err: EdgevmError): RunOutcome {
  const retryAfter = err.retryAfterS === undefined ? null : String(err.retryAfterS);
  return { kind: "error", status: ERROR_STATUS[err.code], error: err.toBody(), retryAfter };
}

export async function runJob(env: Env, deps: JobDeps, req: RunRequest): Promise<RunOutcome> {
  const { jobsForwardedTotal, jobsHostLostTotal } = deps.metrics;
  let dispatched: Awaited<ReturnType<typeof dispatchJob>>;
  try {
    dispatched = await dispatchJob(env, deps, req);
  } catch (err) {
    jobsForwardedTotal.inc({ mode: req.mode, status: "error" });
    if (!(err instanceof EdgevmError)) throw err;
    return refused(err);
  }
  if (dispatched.kind === "answered") {
    const res = dispatched.response;
    jobsForwardedTotal.inc({ mode: req.mode, status: String(res.status) });
    const parsed: unknown = await res.json().catch(() => undefined);
    const error: ErrorBody = isErrorBody(parsed)
      ? parsed
      : {
          error: { code: "INTERNAL", message: `the emulator host answered ${res.status}` },
        };
    return {
      kind: "error",
      status: res.status,
      error,
      retryAfter: res.headers.get("retry-after"),
    };
  }
  const collected = await collectResult(dispatched.events);
  deps.hosts.noteEnded(dispatched.host);
  switch (collected.kind) {
    case "result":
      jobsForwardedTotal.inc({ mode: req.mode, status: "200" });
      return { kind: "result", result: collected.result };
    case "error": {
      const status = statusOf(collected.error.error.code);
      jobsForwardedTotal.inc({ mode: req.mode, status: String(status) });
      return { kind: "error", status, error: collected.error, retryAfter: null };
    }
    case "lost":
      jobsForwardedTotal.inc({ mode: req.mode, status: "lost" });
      if (req.mode !== "async") jobsHostLostTotal.inc({ mode: req.mode, retried: "false" });
      return {
        kind: "lost",
        host: dispatched.host.id,
        error: hostLostError(dispatched.host.id, collected.cause),
      };
  }
}

/**
 * The stream mode: the host's SSE stream piped through as it arrives, ending with an `error`
 * event (HOST_LOST) if the host goes away mid-job. Errors before the job starts are thrown (or,
 * for the job's own errors, returned as the host's JSON answer).
 */
export async function streamJob(env: Env, deps: JobDeps, req: RunRequest): Promise<Response> {
  const { jobsForwardedTotal, jobsHostLostTotal } = deps.metrics;
  let dispatched: Awaited<ReturnType<typeof dispatchJob>>;
  try {
    dispatched = await dispatchJob(env, deps, req);
  } catch (err) {
    jobsForwardedTotal.inc({ mode: req.mode, status: "error" });
    throw err;
  }
  if (dispatched.kind === "answered") {
    jobsForwardedTotal.inc({ mode: req.mode, status: String(dispatched.response.status) });
    return new Response(dispatched.response.body, dispatched.response);
  }
  jobsForwardedTotal.inc({ mode: req.mode, status: "200" });
  const host = dispatched.host;
  const events = guardStream(dispatched.events, host.id, {
    onLost: () => jobsHostLostTotal.inc({ mode: req.mode, retried: "false" }),
    onEnd: () => deps.hosts.noteEnded(host),
  });
  return new Response(events, {
    status: 200,
    headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
  });
}

/** An outcome's error as a thrown EdgevmError (RPC callers). */
export function outcomeError(outcome: Exclude<RunOutcome, { kind: "result" }>): EdgevmError {
  if (outcome.kind === "lost") return outcome.error;
  const retry = outcome.retryAfter === null ? undefined : Number(outcome.retryAfter);
  const code = outcome.error.error.code;
  return new EdgevmError(
    Object.hasOwn(ERROR_STATUS, code) ? (code as ErrorCode) : "INTERNAL",
    outcome.error.error.message,
    {
      details: outcome.error.error.details,
      ...(retry !== undefined && Number.isFinite(retry) ? { retryAfterS: retry } : {}),
    },
  );
}
