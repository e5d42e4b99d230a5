/** The engine as the API layer sees it: run a job, report capacity. Wire types are the contract's. */

import type { Capacity, JobResult, JobSpec, JobStart } from "@edgevm/contract";

/** What a streaming caller sees, in order: one start, any output (raw bytes), one exit. */
export type JobEvent =
  | ({ type: "start" } & JobStart)
  | { type: "stdout"; data: Uint8Array }
  | { type: "stderr"; data: Uint8Array }
  | { type: "exit"; result: JobResult };

export interface RunOptions {
  requestId?: string;
  signal?: AbortSignal;
  onEvent?: (event: JobEvent) => void;
}

/** The engine as the API sees it. */
export interface JobRunner {
  run(spec: JobSpec, options?: RunOptions): Promise<JobResult>;
  capacity(): Capacity;
  imageNames(): string[];
}
