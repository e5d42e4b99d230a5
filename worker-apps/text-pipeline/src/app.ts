/**
 * The text-pipeline routes:
 * - `POST /pipeline`: a text file and a list of steps → the pipeline's output, run in a fresh VM
 * - `GET /`: a short usage text
 */

import { type ExampleAppEnv, exampleApp, withFallbacks } from "@edgevm/example-kit/app";
import { errorResponse, rpcErrorResponse } from "@edgevm/example-kit/http";
import type { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { MAX_TEXT_BYTES } from "./input.js";
import { buildPipelineJob } from "./job.js";
import { buildPipeline, MAX_STEPS } from "./pipeline.js";
import { readPipelineRequest } from "./read-request.js";
import { VOCABULARY } from "./steps.js";

/** The text plus room for multipart framing, steps or JSON escapes. */
export const MAX_BODY_BYTES = 2 * MAX_TEXT_BYTES;

const encoder = new TextEncoder();

const USAGE = `text-pipeline: POST /pipeline with a text file and steps; each run gets a fresh microVM.

  curl -F file=@access.log -F step=grep:GET -F step=sort -F "step=uniq -c" http://127.0.0.1:8789/pipeline
  curl --data-binary @notes.txt 'http://127.0.0.1:8789/pipeline?step=tr-lower&step=wc'

Steps (at most ${MAX_STEPS}): ${VOCABULARY.join(", ")}
`;

export function createApp(): Hono<ExampleAppEnv> {
  const app = exampleApp();

  app.get("/", (c) => c.text(USAGE));

  app.post(
    "/pipeline",
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () =>
        errorResponse(413, "PAYLOAD_TOO_LARGE", `the body must be at most ${MAX_BODY_BYTES} bytes`),
    }),
    async (c) => {
      const input = await readPipelineRequest(c.req.raw);
      if (!input.ok) return errorResponse(400, "INVALID_REQUEST", input.message);
      if (encoder.encode(input.value.text).length > MAX_TEXT_BYTES) {
        return errorResponse(
          413,
          "PAYLOAD_TOO_LARGE",
          `the text must be at most ${MAX_TEXT_BYTES} bytes`,
        );
      }
      const pipeline = buildPipeline(input.value.steps);
      if (!pipeline.ok) return errorResponse(400, "INVALID_REQUEST", pipeline.message);
      const job = buildPipelineJob(pipeline.value, input.value.text, c.var.requestId);
      try {
        const result = await c.env.VMS.run(job);
        return c.json({
          output: result.stdout,
          stderr: result.stderr,
          exitCode: result.exitCode,
          status: result.status,
          truncated: result.truncated,
          steps: pipeline.value.steps,
          script: pipeline.value.script,
          ms: result.timing.totalMs,
          vm: result.vm,
        });
      } catch (err) {
        return rpcErrorResponse(err);
      }
    },
  );

  return withFallbacks(app, "try GET / or POST /pipeline");
}
