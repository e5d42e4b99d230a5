/** What a job answers: its result, its timing, the VM that ran it. Types are inferred from here. */

import { z } from "zod";

export const jobStatusSchema = z.enum(["succeeded", "failed", "timeout", "crashed"]);
export type JobStatus = z.infer<typeof jobStatusSchema>;

/** How the VM that ran a job was obtained: warm pool, snapshot restore, or a cold boot. */
export const vmStartSchema = z.enum(["warm", "restore", "boot"]);
export type VmStart = z.infer<typeof vmStartSchema>;

/** How stdout/stderr bytes are carried in JSON: UTF-8 text (lossy for binary) or base64. */
export const outputEncodingSchema = z.enum(["utf8", "base64"]);
export type OutputEncoding = z.infer<typeof outputEncodingSchema>;

export const jobVmSchema = z.object({
  id: z.string(),
  start: vmStartSchema,
  /** the guest memory the job ran with: its `memoryMiB` rounded up to the host's tier (128, 256, 512, 1024) */
  memoryMiB: z.int().min(1),
});
export type JobVm = z.infer<typeof jobVmSchema>;

const ms = z.number().min(0);

export const jobTimingSchema = z.object({
  /** waiting for a free slot */
  queueMs: ms,
  /** obtaining a running VM (pool hit, restore or boot) */
  startMs: ms,
  /** from EXEC to EXIT */
  runMs: ms,
  totalMs: ms,
});
export type JobTiming = z.infer<typeof jobTimingSchema>;

export const jobResultSchema = z.object({
  id: z.string(),
  status: jobStatusSchema,
  /** null when the job did not exit by itself (timeout, crash, signal) */
  exitCode: z.int().nullable(),
  /** signal name when the command was killed by a signal */
  signal: z.string().nullable(),
  stdout: z.string(),
  stderr: z.string(),
  outputEncoding: outputEncodingSchema,
  /** the output cap was hit */
  truncated: z.boolean(),
  region: z.string(),
  host: z.string(),
  vm: jobVmSchema,
  timing: jobTimingSchema,
  /** set for timeout and crashed: what happened, in words */
  message: z.string().optional(),
});
export type JobResult = z.infer<typeof jobResultSchema>;

/** The `start` event of a streamed job: where it runs. */
export const jobStartSchema = z.object({
  id: z.string(),
  region: z.string(),
  host: z.string(),
  vm: jobVmSchema,
});
export type JobStart = z.infer<typeof jobStartSchema>;
