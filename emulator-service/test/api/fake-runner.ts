import type { Capacity, JobResult, JobSpec } from "@edgevm/contract";
import { sampleCapacity, sampleJobResult } from "@edgevm/contract/test/fixtures";
import type { JobEvent, JobRunner, RunOptions } from "../../src/jobs/runner.js";

export interface FakeCall {
  spec: JobSpec;
  options: RunOptions | undefined;
}

/** Scripted behaviour for one `run`; the default emits start, one stdout chunk and exit. */
export type FakeScript = (
  spec: JobSpec,
  emit: (event: JobEvent) => void,
  options: RunOptions | undefined,
) => Promise<JobResult>;

export function fakeResult(overrides: Partial<JobResult> = {}): JobResult {
  return sampleJobResult({ id: "job-1", region: "test-region", host: "test-host", ...overrides });
}

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

export const defaultScript: FakeScript = async (_spec, emit) => {
  const result = fakeResult();
  emit({ type: "start", id: result.id, region: result.region, host: result.host, vm: result.vm });
  emit({ type: "stdout", data: bytes(result.stdout) });
  emit({ type: "exit", result });
  return result;
};

/** A JobRunner that records calls and runs a script instead of a VM. */
export class FakeRunner implements JobRunner {
  readonly calls: FakeCall[] = [];
  script: FakeScript = defaultScript;
  images = ["base", "python"];

  async run(spec: JobSpec, options?: RunOptions): Promise<JobResult> {
    this.calls.push({ spec, options });
    return this.script(spec, (event) => options?.onEvent?.(event), options);
  }

  capacity(): Capacity {
    return sampleCapacity({
      region: "test-region",
      host: "test-host",
      slots: { total: 4, busy: 1, free: 3 },
      queue: { length: 0, max: 16 },
      memory: { budgetMiB: 2048, usedMiB: 128, freeMiB: 1920 },
      images: [{ name: "base", warm: 2, spawned: 1, templates: 1, targetWarm: 2 }],
    });
  }

  imageNames(): string[] {
    return [...this.images];
  }
}

export { bytes };
