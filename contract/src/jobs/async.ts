/** What `GET /v1/jobs/:id` answers for an async job (`POST /v1/jobs?wait=false`). */

import { z } from "zod";
import { jobResultSchema } from "./result.js";

/** `202` of `POST /v1/jobs?wait=false`. */
export const acceptedJobSchema = z.object({ id: z.string() });
export type AcceptedJob = z.infer<typeof acceptedJobSchema>;

/** Not finished yet. */
export const pendingJobSchema = z.object({
  id: z.string(),
  status: z.enum(["queued", "running"]),
  region: z.string(),
  createdAt: z.iso.datetime(),
});
export type PendingJob = z.infer<typeof pendingJobSchema>;

/**
 * A finished job as its host reported it, under its async id (the host's own id kept); `lostOn`
 * lists hosts that died running it before it ran again (present only when that happened).
 */
export const finishedJobSchema = jobResultSchema.extend({
  hostJobId: z.string(),
  lostOn: z.array(z.string()).optional(),
});
export type FinishedJob = z.infer<typeof finishedJobSchema>;

/** The run was lost (e.g. the runtime restarted mid-run): the result shape with nothing to report. */
export const interruptedJobSchema = z.object({
  id: z.string(),
  status: z.literal("crashed"),
  exitCode: z.null(),
  signal: z.null(),
  stdout: z.literal(""),
  stderr: z.literal(""),
  outputEncoding: z.literal("utf8"),
  truncated: z.literal(false),
  region: z.string(),
  host: z.null(),
  vm: z.null(),
  timing: z.null(),
  message: z.string(),
});
export type InterruptedJob = z.infer<typeof interruptedJobSchema>;

export const finalJobSchema = z.union([finishedJobSchema, interruptedJobSchema]);
export type FinalJob = z.infer<typeof finalJobSchema>;

export const asyncJobSchema = z.union([pendingJobSchema, finishedJobSchema, interruptedJobSchema]);
export type AsyncJob = z.infer<typeof asyncJobSchema>;
