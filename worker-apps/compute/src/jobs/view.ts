/** What `GET /v1/jobs/:id` answers for a stored job. */

import type { ErrorBody, FinishedJob, InterruptedJob, PendingJob } from "../shared/index.js";
import type { StoredJob } from "./store.js";

/**
 * The HTTP answer for a stored job, as plain data (it crosses the Durable Object RPC boundary):
 * pending and finished jobs are 200 with their JSON; a job the host rejected answers with the
 * host's error, as the synchronous call would have.
 */
export interface JobView {
  status: number;
  /** JSON text: PendingJob | FinishedJob | InterruptedJob | ErrorBody */
  json: string;
  retryAfter: string | null;
}

function ok(body: PendingJob | FinishedJob | InterruptedJob): JobView {
  return { status: 200, json: JSON.stringify(body), retryAfter: null };
}

export function viewOf(job: StoredJob, region: string): JobView {
  switch (job.state) {
    case "queued":
    case "running":
      return ok({
        id: job.id,
        status: job.state,
        region,
        createdAt: new Date(job.createdAt).toISOString(),
      });
    case "done":
      if (job.result !== null) {
        // The host names its own job id; the public id is the async one. Keep both.
        return ok({
          ...job.result,
          id: job.id,
          hostJobId: job.result.id,
          ...(job.lostOn.length ? { lostOn: job.lostOn } : {}),
        });
      }
      break;
    case "error":
      if (job.error !== null) {
        const body: ErrorBody = job.error.body;
        return {
          status: job.error.status,
          json: JSON.stringify(body),
          retryAfter: job.error.retryAfter,
        };
      }
      break;
    case "crashed":
      break;
  }
  return ok({
    id: job.id,
    status: "crashed",
    exitCode: null,
    signal: null,
    stdout: "",
    stderr: "",
    outputEncoding: "utf8",
    truncated: false,
    region,
    host: null,
    vm: null,
    timing: null,
    message: job.message ?? "the job record is inconsistent",
  });
}
