/**
 * The code-runner routes:
 * - `GET /`: a page with a textarea and a Run button
 * - `POST /run`: `{ language, code, stdin? }` (or raw code with `?language=`) → the run's result
 * - `POST /run?stream=1`: the VM's Server-Sent Events, piped as they arrive
 */

import { type ExampleAppEnv, exampleApp, withFallbacks } from "@edgevm/example-kit/app";
import { errorResponse, rpcErrorResponse } from "@edgevm/example-kit/http";
import type { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import {
  MAX_CODE_BYTES,
  MAX_STDIN_BYTES,
  type Parsed,
  parseJsonRunInput,
  parseRawRunInput,
  type RunInput,
} from "./input.js";
import { buildRunJob } from "./job.js";
import { PAGE_HTML } from "./page.js";

/** Room for the largest valid JSON body, escapes included; anything bigger is refused unread. */
export const MAX_BODY_BYTES = 2 * (MAX_CODE_BYTES + MAX_STDIN_BYTES) + 1024;

const STREAM_VALUES = new Set(["1", "true"]);

async function readInput(request: Request, queryLanguage?: string): Promise<Parsed<RunInput>> {
  const contentType = request.headers.get("content-type") ?? "";
  const text = await request.text();
  if (!contentType.toLowerCase().includes("json")) return parseRawRunInput(text, queryLanguage);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { ok: false, message: "the body is not valid JSON" };
  }
  return parseJsonRunInput(body, queryLanguage);
}

export function createApp(): Hono<ExampleAppEnv> {
  const app = exampleApp();

  app.get("/", (c) =>
    c.html(PAGE_HTML, 200, {
      "content-security-policy":
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'",
    }),
  );

  app.post(
    "/run",
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () =>
        errorResponse(413, "PAYLOAD_TOO_LARGE", `the body must be at most ${MAX_BODY_BYTES} bytes`),
    }),
    async (c) => {
      const parsed = await readInput(c.req.raw, c.req.query("language"));
      if (!parsed.ok) return errorResponse(400, "INVALID_REQUEST", parsed.message);
      const job = buildRunJob(parsed.value, c.var.requestId);
      if (STREAM_VALUES.has(c.req.query("stream") ?? "")) {
        try {
          const events = await c.env.VMS.stream(job);
          return new Response(events, {
            headers: {
              "content-type": "text/event-stream; charset=utf-8",
              "cache-control": "no-cache",
            },
          });
        } catch (err) {
          return rpcErrorResponse(err);
        }
      }
      try {
        const result = await c.env.VMS.run(job);
        return c.json({
          stdout: result.stdout,
          stderr: result.stderr,
          exitCode: result.exitCode,
          status: result.status,
          ms: result.timing.totalMs,
          vm: result.vm,
          truncated: result.truncated,
        });
      } catch (err) {
        return rpcErrorResponse(err);
      }
    },
  );

  return withFallbacks(app, "try GET / or POST /run");
}
