/** The fake compute Worker's canned answers (test/fake-vms.ts). */

import { sampleJobResult } from "@edgevm/contract/test/fixtures";
import type { JobResult } from "../env.js";

export function cannedResult(overrides: Partial<JobResult> = {}): JobResult {
  return sampleJobResult({
    id: "job_fake",
    stdout: "hi\n",
    region: "test",
    host: "fake-host",
    vm: { id: "vm-fake-1", start: "warm", memoryMiB: 128 },
    timing: { queueMs: 1, startMs: 2, runMs: 3, totalMs: 6 },
    ...overrides,
  });
}

export const CANNED_SSE = [
  'event: start\ndata: {"id":"job_fake","region":"test","host":"fake-host","vm":{"id":"vm-fake-1","start":"warm","memoryMiB":128}}\n\n',
  'event: stdout\ndata: {"data":"hi\\n"}\n\n',
  `event: exit\ndata: ${JSON.stringify(cannedResult())}\n\n`,
].join("");
