/**
 * The bindings of an example app and the slice of the compute Worker's `VmService` RPC contract
 * it uses. Job and result shapes come from the typed client (`sdk/`), type-only.
 */

import type { JobRequest, JobResult } from "@edgevm/client";

export type { JobRequest, JobResult };

/** An RPC job: the HTTP job body plus an optional request id for tracing. */
export type VmJob = JobRequest & { requestId?: string };

/** `env.VMS`: a service binding to `edgevm-compute`'s `VmService` entrypoint. */
export interface VmsBinding {
  /** Runs the job in a fresh VM; resolves with its result for any exit status. */
  run(job: VmJob): Promise<JobResult>;
  /** Runs the job; resolves with its Server-Sent Events (`start`, `stdout`, `stderr`, `exit`). */
  stream(job: VmJob): Promise<ReadableStream<Uint8Array>>;
}

export interface Env {
  VMS: VmsBinding;
}
