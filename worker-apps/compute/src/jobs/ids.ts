/** Job ids (`job_<32 hex>`) and the Durable Object name that scopes a job to its tenant. */

import { toHex } from "../shared/index.js";

const JOB_ID = /^job_[0-9a-f]{32}$/;

export function newJobId(): string {
  return `job_${toHex(crypto.getRandomValues(new Uint8Array(16)))}`;
}

export function isJobId(id: string): boolean {
  return JOB_ID.test(id);
}

/** One object per job and tenant: another tenant's name for the same id is a different, empty object. */
export function recordName(tenant: string, jobId: string): string {
  return `${tenant}:${jobId}`;
}
