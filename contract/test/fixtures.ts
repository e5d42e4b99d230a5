/** Test fixtures in the contract's shapes, for every package's tests and fakes. */

import type { Capacity, JobResult } from "../src/index.js";

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

/** A host's capacity; override what a test looks at. */
export function sampleCapacity(overrides: Partial<Capacity> = {}): Capacity {
  return {
    region: "local",
    host: "host-1",
    accel: "tcg",
    slots: { total: 8, busy: 1, free: 7 },
    queue: { length: 0, max: 64 },
    memory: { budgetMiB: 8192, usedMiB: 256, freeMiB: 7936 },
    images: [{ name: "base", warm: 2, spawned: 0, templates: 1, targetWarm: 2 }],
    ...overrides,
  };
}
