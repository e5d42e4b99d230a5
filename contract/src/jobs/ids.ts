/** Job ids: `job_` and 32 hex digits (128 random bits), the same on hosts and in the Workers. */

const JOB_ID = /^job_[0-9a-f]{32}$/;

export function newJobId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let hex = "";
  for (const byte of bytes) hex += byte.toString(16).padStart(2, "0");
  return `job_${hex}`;
}

export function isJobId(id: string): boolean {
  return JOB_ID.test(id);
}
