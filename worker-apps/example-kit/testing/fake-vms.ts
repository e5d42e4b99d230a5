/**
 * A fake compute Worker (`edgevm-compute`) for the tests, run as an auxiliary Worker next to the
 * app (bundled by `vitest.project.ts`). `VmService` records every job it receives, keyed by the
 * job's `requestId`, and answers with what the test scripted for that id through `FakeControl`
 * (a canned JobResult by default). State is module scope: one isolate serves the whole project.
 * A Worker module may export only handlers: shared data lives in fake-data.ts.
 */

import { WorkerEntrypoint } from "cloudflare:workers";
import type { JobResult, VmJob } from "../env.js";
import { CANNED_SSE, cannedResult } from "./fake-data.js";

export interface FakeCall {
  method: "run" | "stream";
  job: VmJob;
}

/** What the fake answers for one request id. */
export interface FakeScript {
  /** merged over the canned result (run) */
  result?: Partial<JobResult>;
  /** reject with `new Error(error)`, e.g. "NO_CAPACITY: all slots busy" */
  error?: string;
  /** the stream's body (stream); default: start, stdout "hi\n", exit */
  sse?: string;
}

const calls = new Map<string, FakeCall[]>();
const scripts = new Map<string, FakeScript>();

function record(method: FakeCall["method"], job: VmJob): FakeScript {
  const key = job.requestId ?? "";
  calls.set(key, [...(calls.get(key) ?? []), { method, job }]);
  const script = scripts.get(key) ?? {};
  if (script.error !== undefined) {
    // as VmService does: the code leads the message, the name marks edgevm's errors
    const err = new Error(script.error);
    err.name = "EdgevmError";
    throw err;
  }
  return script;
}

export class VmService extends WorkerEntrypoint {
  async run(job: VmJob): Promise<JobResult> {
    return cannedResult(record("run", job).result);
  }

  async stream(job: VmJob): Promise<ReadableStream<Uint8Array>> {
    const body = record("stream", job).sse ?? CANNED_SSE;
    return new Response(body).body ?? new ReadableStream();
  }
}

export class FakeControl extends WorkerEntrypoint {
  async script(requestId: string, script: FakeScript): Promise<void> {
    scripts.set(requestId, script);
  }

  async calls(requestId: string): Promise<FakeCall[]> {
    return calls.get(requestId) ?? [];
  }
}

export default {
  fetch: () => new Response("fake edgevm-compute", { status: 404 }),
} satisfies ExportedHandler;
