/** `POST /v1/jobs` (wait, stream or async) and `GET /v1/jobs/:id`. */

import { Hono } from "hono";
import { callEmulator } from "../emulator/emulator-fetch.js";
import type { AppEnv } from "../http/app-env.js";
import { jobsForwardedTotal } from "../http/metrics.js";
import { EdgevmError } from "../shared/index.js";
import { isJobId, newJobId, recordName } from "./ids.js";
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
      return c.json({ id }, 202);
    }

    const stream = c.req.header("accept")?.includes("text/event-stream") === true;
    const mode = stream ? "stream" : "wait";
    let upstream: Response;
    try {
      upstream = await callEmulator(c.env, {
        method: "POST",
        path: "/v1/jobs",
        body: bytes,
        accept: stream ? "text/event-stream" : "application/json",
        requestId,
      });
    } catch (err) {
      jobsForwardedTotal.inc({ mode, status: "error" });
      throw err;
    }
    jobsForwardedTotal.inc({ mode, status: String(upstream.status) });
    // The body is piped, never read: SSE events reach the client as the host emits them, and
    // errors ({error:{code,message}}, status, Retry-After) pass through unchanged.
    return new Response(upstream.body, upstream);
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
