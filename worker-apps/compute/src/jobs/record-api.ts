/**
 * What the `JobRecord` Durable Object offers over RPC (`env.JOBS`), declared apart from the class so
 * that the bindings (`config/env.ts`) depend on this leaf and not on the job machinery behind it.
 */

import type { DurableObject } from "cloudflare:workers";
import type { JobView } from "./view.js";

export interface CreateJobInput {
  id: string;
  tenant: string;
  request: string;
  requestId: string;
  timeoutMs: number;
}

/** `jobs/job-record.ts` implements it; `env.JOBS.get(id)` is typed by it. */
export interface JobRecordApi extends DurableObject<unknown> {
  /** Stores a new job and schedules its run right away. Idempotent for the same id. */
  create(input: CreateJobInput): Promise<void>;
  /** The job as `GET /v1/jobs/:id` shows it, or null when this object holds no job. */
  view(): Promise<JobView | null>;
}
