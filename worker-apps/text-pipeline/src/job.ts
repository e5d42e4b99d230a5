/** Pure: the VM job for one pipeline. */

import type { VmJob } from "@edgevm/example-kit/env";
import { INPUT_PATH, type Pipeline } from "./pipeline.js";

/** Wall-clock limit of one pipeline inside the VM. */
export const PIPELINE_TIMEOUT_MS = 15_000;

/** The script is the only shell code, and it was built with every word quoted. */
export function buildPipelineJob(pipeline: Pipeline, text: string, requestId: string): VmJob {
  return {
    command: ["sh", "-c", pipeline.script],
    files: { [INPUT_PATH]: text },
    timeoutMs: PIPELINE_TIMEOUT_MS,
    requestId,
  };
}
