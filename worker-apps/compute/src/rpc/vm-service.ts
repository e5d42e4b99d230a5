/**
 * `VmService`: the typed RPC entrypoint user Workers reach through a service binding:
 *
 *   [[services]]
 *   binding = "VMS"
 *   service = "edgevm-compute"
 *   entrypoint = "VmService"
 *   props = { tenant = "my-app" }   # optional; default tenant "rpc"
 *
 *   const result = await env.VMS.run({ command: ["echo", "hi"] });
 *   const sse = await env.VMS.stream({ command: ["sh", "-c", "..."] });  // ReadableStream<Uint8Array>
 *
 * Same validation and signing as the HTTP API. The tenant is `ctx.props.tenant` when the binding
 * sets it, else the fixed tenant "rpc": a service binding is configured by whoever deploys the
 * calling Worker, so it is trusted like an API key. (Jobs run synchronously here, so the tenant
 * only labels logs today; it scopes records once RPC grows async jobs.)
 *
 * Errors are thrown as `Error`s whose message starts with the stable code (`"NO_CAPACITY: …"`);
 * Workers RPC carries an error's message and name across the binding.
 *
 * Jobs run over the isolate context (`isolate.ts`), passed to the constructor; the runtime
 * constructs the class `defineVmService` binds to one (`worker.ts`).
 */

import { WorkerEntrypoint } from "cloudflare:workers";
import type { Env } from "../config/env.js";
import type { IsolateContext } from "../isolate.js";
import { outcomeError, runJob, streamJob } from "../jobs/run-job.js";
import { encodeJob, validateJob } from "../jobs/validate.js";
import {
  EdgevmError,
  type ErrorBody,
  type JobRequest,
  type JobResult,
  pickRequestId,
} from "../shared/index.js";

export const RPC_DEFAULT_TENANT = "rpc";

export interface VmServiceProps {
  tenant?: string;
}

/** An RPC job: the HTTP body (`region` included), plus an optional request id for tracing. */
export type VmJob = JobRequest & { requestId?: string };

/** What the entrypoint uses of its isolate. */
export type VmServiceDeps = Pick<IsolateContext, "hosts" | "metrics" | "log">;

function rpcError(err: unknown): Error {
  if (!(err instanceof EdgevmError)) return err instanceof Error ? err : new Error(String(err));
  const out = new Error(`${err.code}: ${err.message}`);
  out.name = "EdgevmError";
  return out;
}

export class VmService extends WorkerEntrypoint<Env, VmServiceProps> {
  private readonly isolate: VmServiceDeps;

  constructor(ctx: ExecutionContext<VmServiceProps>, env: Env, isolate: VmServiceDeps) {
    super(ctx, env);
    this.isolate = isolate;
  }

  private tenant(): string {
    const tenant = this.ctx.props?.tenant;
    return typeof tenant === "string" && tenant !== "" ? tenant : RPC_DEFAULT_TENANT;
  }

  private prepare(job: VmJob) {
    const { requestId, ...request } = job;
    const body = encodeJob(request);
    const spec = validateJob(body, this.env.REGION);
    return {
      body,
      image: spec.image,
      timeoutMs: spec.timeoutMs,
      requestId: pickRequestId(requestId),
    };
  }

  /** Runs a job in a fresh VM and resolves with its result (any exit status). */
  async run(job: VmJob): Promise<JobResult> {
    try {
      const req = this.prepare(job);
      this.isolate.log.info("rpc run", { requestId: req.requestId, tenant: this.tenant() });
      const outcome = await runJob(this.env, this.isolate, { ...req, mode: "rpc_run" });
      if (outcome.kind !== "result") throw outcomeError(outcome);
      return outcome.result;
    } catch (err) {
      throw rpcError(err);
    }
  }

  /**
   * Runs a job and returns its Server-Sent Events as a byte stream (`start`, `stdout`, `stderr`,
   * `exit`, or `error`), piped from the host as they arrive. Read it with `readSse` and
   * `parseStreamEvent` from `@edgevm/contract`, or through a `TextDecoderStream`.
   */
  async stream(job: VmJob): Promise<ReadableStream<Uint8Array>> {
    try {
      const req = this.prepare(job);
      this.isolate.log.info("rpc stream", { requestId: req.requestId, tenant: this.tenant() });
      const res = await streamJob(this.env, this.isolate, { ...req, mode: "rpc_stream" });
      if (!res.ok || res.body === null) {
        const parsed = (await res.json().catch(() => null)) as Partial<ErrorBody> | null;
        throw new Error(
          `${parsed?.error?.code ?? "INTERNAL"}: ${parsed?.error?.message ?? `emulator answered ${res.status}`}`,
        );
      }
      return res.body;
    } catch (err) {
      throw rpcError(err);
    }
  }
}

/** The class the runtime constructs (`ctx`, `env`), bound to the isolate context `isolate` gives. */
export function defineVmService(isolate: () => VmServiceDeps) {
  return class extends VmService {
    constructor(ctx: ExecutionContext<VmServiceProps>, env: Env) {
      super(ctx, env, isolate());
    }
  };
}
