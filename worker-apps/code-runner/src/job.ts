/** Pure: the VM job for one snippet. */

import type { VmJob } from "@edgevm/example-kit/env";
import type { RunInput } from "./input.js";

/** Wall-clock limit of one snippet inside the VM. */
export const RUN_TIMEOUT_MS = 10_000;

/**
 * The argv runs the snippet directly, never through string concatenation. `--` ends the
 * interpreter's options, so code that starts with `-` is still code (`sh -c -x` would be an option).
 */
export function commandFor(input: RunInput): string[] {
  switch (input.language) {
    case "sh":
      return ["sh", "-c", "--", input.code];
    case "awk":
      return ["awk", "--", input.code];
  }
}

export function buildRunJob(input: RunInput, requestId: string): VmJob {
  const job: VmJob = { command: commandFor(input), timeoutMs: RUN_TIMEOUT_MS, requestId };
  if (input.stdin !== undefined) job.stdin = input.stdin;
  return job;
}
