/**
 * Sends one job to the region's hosts, trying them in placement order until one starts it.
 *
 * The Worker always asks a host for the job's event stream, whatever the client asked for: a host
 * commits that stream only when the job starts, so the answer tells exactly where the job stands.
 * - the fetch threw (no answer at all): the job never started there — the host is reported
 *   unreachable and the next host is tried;
 * - 429/503 (queue full, no capacity, shutting down): nothing ran — the next host is tried;
 * - any other error (400 unknown image, 413…): the job's own fault — answered as is, no retry;
 * - 200 with the stream: started. From here a broken stream is a lost job (see `sse.ts`).
 * When every host is full or unreachable the caller gets one clear error with `Retry-After`, and
 * the front door moves on to the next-nearest region.
 */

import type { Env } from "../config/env.js";
import type { HostTarget } from "../hosts/host-set.js";
import type { JobDeps } from "../isolate.js";
import { EdgevmError, ERROR_STATUS, type ErrorBody, type ErrorCode } from "../shared/index.js";
import { callEmulator } from "./emulator-fetch.js";

/**
 * Time (ms) allowed beyond a job's own timeout before the Worker gives up on its host: covers the
 * host's queue wait (30 s by default), VM start and returning the output. A host that is alive
 * ends every job within its timeout, so this only fires for a host that hangs.
 */
export const HOST_CALL_GRACE_MS = 60_000;

/** Seconds a client should wait when no host could be reached at all. */
const UNREACHABLE_RETRY_AFTER_S = 1;

export interface DispatchRequest {
  body: Uint8Array;
  image: string;
  timeoutMs: number;
  requestId: string;
  /** hosts not to try (they already lost this job) */
  exclude?: ReadonlySet<string>;
}

export type Dispatched =
  /** the job started on `host`; `events` is its SSE stream */
  | { kind: "started"; host: HostTarget; events: ReadableStream<Uint8Array> }
  /** a host rejected the job itself (not for capacity): pass the answer on */
  | { kind: "answered"; response: Response };

interface CapacityAnswer {
  code: ErrorCode;
  message: string;
  retryAfterS: number | undefined;
}

function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_STATUS, code);
}

async function readCapacityAnswer(res: Response): Promise<CapacityAnswer> {
  const body = (await res.json().catch(() => null)) as Partial<ErrorBody> | null;
  const code = body?.error?.code ?? "";
  const retry = Number(res.headers.get("retry-after"));
  return {
    code: isErrorCode(code) ? code : "NO_CAPACITY",
    message: body?.error?.message ?? `answered ${res.status}`,
    retryAfterS: Number.isFinite(retry) && retry > 0 ? retry : undefined,
  };
}

/** Starts the job on the first host that takes it; throws when none does (see module comment). */
export async function dispatchJob(
  env: Env,
  deps: JobDeps,
  req: DispatchRequest,
): Promise<Dispatched> {
  const { hosts } = deps;
  const { hostTriesTotal } = deps.metrics;
  const signal = AbortSignal.timeout(req.timeoutMs + HOST_CALL_GRACE_MS);
  const candidates = await hosts.candidates(env, req.image, {
    ...(req.exclude ? { exclude: req.exclude } : {}),
    place: true,
  });
  const tried: string[] = [];
  let full: CapacityAnswer | undefined;
  let retryAfterS: number | undefined;
  for (const [i, host] of candidates.entries()) {
    // Counted before the answer: a host answers only once the job starts (or is refused), and
    // jobs sent meanwhile must see this one (the first was counted by `candidates`).
    if (i > 0) hosts.notePlaced(host);
    let res: Response;
    try {
      res = await callEmulator(
        env,
        {
          method: "POST",
          path: "/v1/jobs",
          body: req.body,
          accept: "text/event-stream",
          requestId: req.requestId,
          signal,
        },
        host,
      );
    } catch (err) {
      hosts.unplace(host);
      // a configuration error (no secret) is not the host's fault: no other host would do better
      if (err instanceof EdgevmError && err.code !== "EMULATOR_UNAVAILABLE") throw err;
      if (signal.aborted) break;
      hostTriesTotal.inc({ outcome: "unreachable" });
      tried.push(`${host.id}: unreachable`);
      void hosts.unreachable(env, host);
      continue;
    }
    if (res.ok && res.body !== null) {
      hostTriesTotal.inc({ outcome: "started" });
      return { kind: "started", host, events: res.body };
    }
    if (res.status === 429 || res.status === 503) {
      hostTriesTotal.inc({ outcome: "full" });
      hosts.unplace(host);
      const answer = await readCapacityAnswer(res);
      tried.push(`${host.id}: ${answer.code}`);
      full ??= answer;
      if (answer.retryAfterS !== undefined) {
        retryAfterS = Math.min(retryAfterS ?? answer.retryAfterS, answer.retryAfterS);
      }
      continue;
    }
    hostTriesTotal.inc({ outcome: "rejected" });
    hosts.unplace(host);
    return { kind: "answered", response: res };
  }
  if (full !== undefined) {
    const retry = retryAfterS ?? UNREACHABLE_RETRY_AFTER_S;
    // one host: its own answer, unchanged
    if (candidates.length === 1)
      throw new EdgevmError(full.code, full.message, { retryAfterS: retry });
    throw new EdgevmError(
      full.code,
      `every host of region ${env.REGION} is busy (${tried.join("; ")})`,
      { retryAfterS: retry, details: { tried } },
    );
  }
  throw new EdgevmError(
    "EMULATOR_UNAVAILABLE",
    signal.aborted
      ? `no emulator host of region ${env.REGION} started the job within its timeout plus ${HOST_CALL_GRACE_MS} ms`
      : candidates.length === 0
        ? `region ${env.REGION} has no emulator host left to try`
        : `no emulator host of region ${env.REGION} could be reached (${tried.join("; ")})`,
    { retryAfterS: UNREACHABLE_RETRY_AFTER_S, details: { tried } },
  );
}
