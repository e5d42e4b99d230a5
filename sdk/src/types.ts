/**
 * The shapes of the edgevm public HTTP API, as the client sees them. Every wire type comes from
 * `@edgevm/contract` (type-only imports: the client carries none of its runtime code); only the
 * client's own view of a stream (`JobStreamEvent`) is defined here.
 */

import type { ErrorCode, JobResult, JobStart } from "@edgevm/contract";

export type {
  Accelerator,
  AsyncJob,
  FinalJob,
  FinishedJob,
  Health,
  HostView,
  ImageInfo,
  InterruptedJob,
  JobRequest,
  JobResult,
  JobStart,
  JobStatus,
  JobTiming,
  JobVm,
  OutputEncoding,
  PendingJob,
  RegionPool,
  RegionView,
  VmStart,
} from "@edgevm/contract";

/**
 * The `error` JSON of every failed call (`{"error": {...}}`), unwrapped. `code` is one of the
 * contract's codes, or a newer one this client does not know yet.
 */
export interface ApiErrorInfo {
  code: ErrorCode | (string & {});
  message: string;
  details?: unknown;
}

/**
 * One Server-Sent Event of a streamed job, in order: one `start`, any `stdout`/`stderr`, then one
 * `exit` (or an `error` if the job failed after streaming began). `stdout`/`stderr` data is text,
 * or base64 when the job asked for `outputEncoding: "base64"`.
 */
export type JobStreamEvent =
  | { type: "start"; data: JobStart }
  | { type: "stdout"; data: string }
  | { type: "stderr"; data: string }
  | { type: "exit"; data: JobResult }
  | { type: "error"; data: ApiErrorInfo };
