/** `POST /v1/jobs` (wait, stream or async) and `GET /v1/jobs/:id`. */

import { Hono } from "hono";
import type { AppEnv } from "../http/app-env.js";
import { type AcceptedJob, EdgevmError } from "../shared/index.js";
import { isJobId, newJobId, recordName } from "./ids.js";
import { runJob, streamJob } from "./run-job.js";
import { readJobBody, validateJob } from "./validate.js";

function wantsWait(value: string | undefined): boolean {
  if (value === undefined || value === "true" || value === "1") return true;
  if (value === "false" || value === "0") return false;
  throw new EdgevmError(
    "INVALID_REQUEST",
    `wait: must be true or false, got ${JSON.stringify(value)}`,
  );
}

function notFound(id: string): EdgevmError {
  return new EdgevmError("NOT_FOUND", `no job ${JSON.stringify(id)}`);
}

export function jobRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post("/", async (c) => {
    const wait = wantsWait(c.req.query("wait"));
    const bytes = await readJobBody(c.req.raw);
    const spec = validateJob(bytes, c.env.REGION);
    const requestId = c.var.requestId;

    if (!wait) {
      const id = newJobId();
      const tenant = c.var.tenant;
      const stub = c.env.JOBS.get(c.env.JOBS.idFromName(recordName(tenant, id)));
      await stub.create({
        id,
        tenant,
        request: new TextDecoder().decode(bytes),
        requestId,
        timeoutMs: spec.timeoutMs,
      });
      c.var.log.info("async job accepted", { jobId: id, argv0: spec.command[0] });
      return c.json({ id } satisfies AcceptedJob, 202);
    }

    const stream = c.req.header("accept")?.includes("text/event-stream") === true;
    const req = {
      body: bytes,
      image: spec.image,
      timeoutMs: spec.timeoutMs,
      requestId,
    };
    // Stream: events reach the client as the host emits them. Wait: the result, or the error
    // ({error:{code,message}}, status, Retry-After) as the host or the dispatch reported it.
    if (stream) return streamJob(c.env, c.var.isolate, { ...req, mode: "stream" });
    const outcome = await runJob(c.env, c.var.isolate, { ...req, mode: "wait" });
    switch (outcome.kind) {
      case "result":
        return c.json(outcome.result);
      case "lost":
        throw outcome.error;
      case "error": {
        const headers = new Headers({ "content-type": "application/json; charset=utf-8" });
        if (outcome.retryAfter !== null) headers.set("retry-after", outcome.retryAfter);
        return new Response(JSON.stringify(outcome.error), { status: outcome.status, headers });
      }
    }
  });

  app.get("/:id", async (c) => {
    const id = c.req.param("id");
    if (!isJobId(id)) throw notFound(id);
    const stub = c.env.JOBS.get(c.env.JOBS.idFromName(recordName(c.var.tenant, id)));
    const view = await stub.view();
    if (view === null) throw notFound(id);
    const headers = new Headers({ "content-type": "application/json; charset=utf-8" });
    if (view.retryAfter !== null) headers.set("retry-after", view.retryAfter);
    return new Response(view.json, { status: view.status, headers });
  });

  return app;
}
