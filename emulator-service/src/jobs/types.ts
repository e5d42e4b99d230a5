/** The shapes of one job, shared by the engine, the API and (later) the Worker side. */

export type JobStatus = "succeeded" | "failed" | "timeout" | "crashed";

/** How the VM that ran a job was obtained. */
export type VmStart = "warm" | "restore" | "boot";

/** How stdout/stderr bytes are carried in JSON: UTF-8 text (lossy for binary) or base64. */
export type OutputEncoding = "utf8" | "base64";

/** A validated job request (defaults already applied). */
export interface JobSpec {
  command: string[];
  image: string;
  stdin: string | undefined;
  env: Record<string, string>;
  /** absolute guest path → text content, written before the command runs */
  files: Record<string, string>;
  cwd: string | undefined;
  timeoutMs: number;
  memoryMiB: number;
  vcpus: number;
  outputEncoding: OutputEncoding;
}

export interface JobTiming {
  /** waiting for a free slot */
  queueMs: number;
  /** obtaining a running VM (pool hit, restore or boot) */
  startMs: number;
  /** from EXEC to EXIT */
  runMs: number;
  totalMs: number;
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
  truncated: boolean;
  region: string;
  host: string;
  vm: { id: string; start: VmStart };
  timing: JobTiming;
  /** set for timeout and crashed: what happened, in words */
  message?: string;
}

/** What a streaming caller sees, in order: one start, any output, one exit. */
export type JobEvent =
  | { type: "start"; id: string; region: string; host: string; vm: { id: string; start: VmStart } }
  | { type: "stdout"; data: Uint8Array }
  | { type: "stderr"; data: Uint8Array }
  | { type: "exit"; result: JobResult };

export interface ImageCapacity {
  name: string;
  warm: number;
  spawned: number;
  templates: number;
  /** warm VMs the pools of this image aim to keep (the policy's current decision) */
  targetWarm: number;
}

/** What a scheduler needs to place work on this host. */
export interface Capacity {
  region: string;
  host: string;
  accel: "kvm" | "tcg";
  slots: { total: number; busy: number; free: number };
  queue: { length: number; max: number };
  memory: { budgetMiB: number; usedMiB: number; freeMiB: number };
  images: ImageCapacity[];
}

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
