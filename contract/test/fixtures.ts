/** Test fixtures in the contract's shapes, for every package's tests and fakes. */

import type { JobResult } from "../src/index.js";

/** A succeeded job's result; override what a test looks at. */
export function sampleJobResult(overrides: Partial<JobResult> = {}): JobResult {
  return {
    id: "job_1",
    status: "succeeded",
    exitCode: 0,
    signal: null,
    stdout: "hello\n",
    stderr: "",
    outputEncoding: "utf8",
    truncated: false,
    region: "local",
    host: "host-1",
    vm: { id: "vm-1", start: "warm", memoryMiB: 128 },
    timing: { queueMs: 0, startMs: 1, runMs: 2, totalMs: 3 },
    ...overrides,
  };
}
