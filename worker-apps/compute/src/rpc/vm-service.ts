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
 */

import { WorkerEntrypoint } from "cloudflare:workers";
import type { Env } from "../config/env.js";
import { rootLogger } from "../http/log.js";
import { outcomeError, runJob, streamJob } from "../jobs/run-job.js";
import { encodeJob, validateJob } from "../jobs/validate.js";
import { EdgevmError, type JobRequest, type JobResult, pickRequestId } from "../shared/index.js";

export const RPC_DEFAULT_TENANT = "rpc";

export interface VmServiceProps {
  tenant?: string;
}

/** An RPC job: the HTTP body, plus an optional request id for tracing. */
export type VmJob = JobRequest & { region?: string; requestId?: string };

function rpcError(err: unknown): Error {
  if (!(err instanceof EdgevmError)) return err instanceof Error ? err : new Error(String(err));
  const out = new Error(`${err.code}: ${err.message}`);
  out.name = "EdgevmError";
  return out;
}

export class VmService extends WorkerEntrypoint<Env, VmServiceProps> {
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
      rootLogger.info("rpc run", { requestId: req.requestId, tenant: this.tenant() });
      const outcome = await runJob(this.env, { ...req, mode: "rpc_run" });
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
      rootLogger.info("rpc stream", { requestId: req.requestId, tenant: this.tenant() });
      const res = await streamJob(this.env, { ...req, mode: "rpc_stream" });
      if (!res.ok || res.body === null) {
        const parsed = (await res.json().catch(() => null)) as {
          error?: { code?: string; message?: string };
        } | null;
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
