/**
 * The shapes of the edgevm public HTTP API. Copied from the service (the SDK stands alone and
 * imports nothing from the rest of the repository); keep them in step with the service.
 */

export type JobStatus = "succeeded" | "failed" | "timeout" | "crashed";

/** How the VM that ran a job was obtained: warm pool, snapshot restore, or a cold boot. */
export type VmStart = "warm" | "restore" | "boot";

/** How stdout/stderr bytes are carried in JSON: UTF-8 text (lossy for binary) or base64. */
export type OutputEncoding = "utf8" | "base64";

/** The body of `POST /v1/jobs`. Only `command` is required; the service fills in defaults. */
export interface JobRequest {
  /** argv; `command[0]` is looked up on the guest's PATH */
  command: string[];
  /** default `"base"` (see `images()`) */
  image?: string;
  stdin?: string;
  env?: Record<string, string>;
  /** absolute guest path → text content, written before the command runs */
  files?: Record<string, string>;
  cwd?: string;
  timeoutMs?: number;
  memoryMiB?: number;
  vcpus?: number;
  outputEncoding?: OutputEncoding;
  /** pin the job to one region (the per-call `region` option overrides this) */
  region?: string;
}

export interface JobTiming {
  /** waiting for a free slot */
  queueMs: number;
  /** obtaining a running VM (pool hit, restore or boot) */
  startMs: number;
  /** from exec to exit */
  runMs: number;
  totalMs: number;
}

export interface JobVm {
  id: string;
  start: VmStart;
}

export interface JobResult {
  id: string;
  status: JobStatus;
  /** null when the job did not exit by itself (timeout, crash, signal) */
  exitCode: number | null;
  /** signal name when the command was killed by a signal */
  signal: string | null;
  stdout: string;
  stderr: string;
  outputEncoding: OutputEncoding;
  /** the output cap was hit */
  truncated: boolean;
  region: string;
  host: string;
  vm: JobVm;
  timing: JobTiming;
  /** set for timeout and crashed: what happened, in words */
  message?: string;
}

/** The `start` event of a streamed job. */
export interface JobStart {
  id: string;
  region: string;
  host: string;
  vm: JobVm;
}

/** The `error` JSON shape of every failed call (`{"error": {...}}`), unwrapped. */
export interface ApiErrorInfo {
  code: string;
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

/** An async job that has not finished yet. */
export interface PendingJobState {
  id: string;
  status: "queued" | "running";
  region: string;
  createdAt: string;
}

/** A finished async job: the result under its async id (the host's own job id kept). */
export type FinishedJobState = JobResult & { hostJobId?: string };

/** An async job whose run was lost (e.g. the runtime restarted mid-run). */
export interface InterruptedJobState {
  id: string;
  status: "crashed";
  exitCode: null;
  signal: null;
  stdout: "";
  stderr: "";
  outputEncoding: OutputEncoding;
  truncated: false;
  region: string;
  host: null;
  vm: null;
  timing: null;
  message: string;
}

export type FinalJobState = FinishedJobState | InterruptedJobState;

/** What `GET /v1/jobs/:id` answers. */
export type AsyncJobState = PendingJobState | FinalJobState;

export interface HostCapacity {
  total: number;
  busy: number;
  free: number;
  queue: { length: number; max: number };
  accel: "kvm" | "tcg";
}

export interface RegionHost {
  id: string;
  url: string;
  healthy: boolean;
  capacity: HostCapacity;
}

export interface RegionPool {
  warm: number;
  busy: number;
  /** null while the host does not report its pool target */
  target: number | null;
}

export interface Region {
  name: string;
  /** that region's own worker */
  url: string;
  healthy: boolean;
  /** empty for regions other than the one that answered (ask that region) */
  hosts: RegionHost[];
  /** null when unknown (another region, or an unhealthy one) */
  pool: RegionPool | null;
}

export interface Image {
  name: string;
  description?: string;
  [key: string]: unknown;
}

export interface Health {
  ok: boolean;
  region?: string;
  host?: string;
  [key: string]: unknown;
}
