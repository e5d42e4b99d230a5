/** The Durable Object name that scopes a job to its tenant; ids themselves are the contract's. */

export { isJobId, newJobId } from "../shared/index.js";

/** One object per job and tenant: another tenant's name for the same id is a different, empty object. */
export function recordName(tenant: string, jobId: string): string {
  return `${tenant}:${jobId}`;
}
