/**
 * `POST /v1/jobs` with `Accept: text/event-stream`. The HTTP response is committed only once the
 * engine reports `start`, so failures before that (no capacity, queue full…) are ordinary JSON
 * errors. After that, each event is written as soon as the engine emits it; a client that goes
 * away aborts the run.
 */

import type { JobResult, JobSpec } from "@edgevm/contract";
import { publicError } from "@edgevm/contract";
import type { Context } from "hono";
import { type SSEStreamingApi, streamSSE } from "hono/streaming";
import type { JobEvent, JobRunner } from "../jobs/runner.js";
import type { ApiEnv } from "./env.js";
import { errorMessage, exitMessage, JobEventEncoder, type SseMessage } from "./event-encoding.js";

export async function streamJob(
  c: Context<ApiEnv>,
  runner: JobRunner,
  spec: JobSpec,
): Promise<Response> {
  const log = c.var.log;
  const abort = new AbortController();
  const onClientGone = (): void => abort.abort(new Error("client disconnected"));
  const requestSignal = c.req.raw.signal;
  if (requestSignal.aborted) onClientGone();
  else requestSignal.addEventListener("abort", onClientGone, { once: true });

  const encoder = new JobEventEncoder(spec.outputEncoding);
  const pending: SseMessage[] = [];
  let stream: SSEStreamingApi | undefined;
  let writing: Promise<void> = Promise.resolve();
  let exitSent = false;
  let markStarted: () => void = () => {};
  const started = new Promise<"started">((resolve) => {
    markStarted = () => resolve("started");
  });

  const send = (messages: SseMessage[]): void => {
    for (const message of messages) {
      if (message.event === "exit") exitSent = true;
      if (!stream) {
        pending.push(message);
        continue;
      }
      const s = stream;
      writing = writing.then(() => s.writeSSE(message)).catch(() => {});
    }
  };

  const onEvent = (event: JobEvent): void => {
    if (exitSent) return;
    send(encoder.encode(event));
    if (event.type === "start") markStarted();
  };

  const run: Promise<JobResult> = runner.run(spec, {
    requestId: c.var.requestId,
    signal: abort.signal,
    onEvent,
  });
  // Until the stream exists, an early rejection is rethrown below as a JSON error.
  run.catch(() => {});

  const first = await Promise.race([started, run]);
  if (first !== "started" && pending.length === 0) {
    // Finished without events (a runner that reports only the result): still a stream.
    log.debug("job finished before any event", { jobId: first.id });
  }

  return streamSSE(c, async (s) => {
    stream = s;
    s.onAbort(onClientGone);
    for (const message of pending.splice(0)) {
      writing = writing.then(() => s.writeSSE(message)).catch(() => {});
    }
    try {
      const result = await run;
      if (!exitSent) send([...encoder.flush(), exitMessage(result)]);
      log.info("job stream finished", { jobId: result.id, status: result.status });
    } catch (err) {
      if (abort.signal.aborted) {
        log.info("job stream aborted by client", { err });
      } else {
        log.warn("job failed after streaming began");
        const error = publicError(err, log);
        if (!exitSent) send([errorMessage(error.code, error.message)]);
      }
    } finally {
      await writing;
      requestSignal.removeEventListener("abort", onClientGone);
    }
  });
}
