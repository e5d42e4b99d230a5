/**
 * The emulator service's HTTP API (Hono). It only parses and validates requests into calls on the
 * engine (`JobRunner`); the engine owns all state.
 */

import {
  type ApiLimits,
  EdgevmError,
  errorResponse,
  type ImageInfo,
  jobRequestSchema,
  parseJsonBody,
  resolveLimits,
  toJobSpec,
} from "@edgevm/contract";
import type { Logger } from "@edgevm/observability";
import { PROMETHEUS_CONTENT_TYPE } from "@edgevm/observability";
import { Hono } from "hono";
import type { JobRunner } from "../jobs/runner.js";
import type { EmulatorMetrics } from "../metrics/index.js";
import type { ApiEnv } from "./env.js";
import { streamJob } from "./job-stream.js";
import { requestContext } from "./request-context.js";
import { requireSignature } from "./signature.js";

export interface EmulatorAppOptions {
  runner: JobRunner;
  metrics: EmulatorMetrics;
  logger: Logger;
  /** HMAC secret shared with the region Worker; every `/v1` request must be signed with it */
  secret: string;
  limits?: Partial<ApiLimits>;
  /** richer `GET /v1/images` entries (from the image module); defaults to `[{name}]` */
  describeImages?: () => ImageInfo[] | Promise<ImageInfo[]>;
  /** reported by `/healthz`; default: the runner's `capacity()` */
  region?: string;
  host?: string;
  /** allowed clock skew for signatures (default `DEFAULT_MAX_SKEW_MS`) */
  maxSkewMs?: number;
  /** clock for signature checks (unix ms); for tests */
  now?: () => number;
}

/** Every route, with its methods: used for 405 answers and bounded `route` metric labels. */
const ROUTES: Record<string, readonly string[]> = {
  "/healthz": ["GET"],
  "/metrics": ["GET"],
  "/v1/jobs": ["POST"],
  "/v1/capacity": ["GET"],
  "/v1/images": ["GET"],
};

export function createEmulatorApp(options: EmulatorAppOptions): Hono<ApiEnv> {
  if (options.secret.length === 0) throw new Error("createEmulatorApp: secret must not be empty");
  const { runner, metrics, logger } = options;
  const limits = resolveLimits(options.limits);
  const schema = jobRequestSchema(limits);
  const app = new Hono<ApiEnv>();

  app.use("*", requestContext({ logger, metrics, knownRoutes: new Set(Object.keys(ROUTES)) }));
  app.use(
    "/v1/*",
    requireSignature({
      secret: options.secret,
      maxBodyBytes: limits.maxBodyBytes,
      maxSkewMs: options.maxSkewMs,
      now: options.now,
    }),
  );

  app.get("/healthz", (c) => {
    const identity =
      options.region !== undefined && options.host !== undefined
        ? { region: options.region, host: options.host }
        : runner.capacity();
    return c.json({ ok: true, region: identity.region, host: identity.host });
  });

  app.get("/metrics", (c) =>
    c.body(metrics.registry.render(), 200, { "content-type": PROMETHEUS_CONTENT_TYPE }),
  );

  app.post("/v1/jobs", async (c) => {
    const spec = toJobSpec(parseJsonBody(c.var.rawBody), schema, runner.imageNames());
    c.var.log.debug("job accepted", { image: spec.image, argv0: spec.command[0] });
    if (c.req.header("accept")?.includes("text/event-stream")) return streamJob(c, runner, spec);
    const result = await runner.run(spec, {
      requestId: c.var.requestId,
      signal: c.req.raw.signal,
    });
    return c.json(result);
  });

  app.get("/v1/capacity", (c) => c.json(runner.capacity()));

  app.get("/v1/images", async (c) => {
    const images = options.describeImages
      ? await options.describeImages()
      : runner.imageNames().map((name) => ({ name }));
    return c.json(images);
  });

  for (const [path, methods] of Object.entries(ROUTES)) {
    const allow = [...methods, ...(methods.includes("GET") ? ["HEAD"] : [])].join(", ");
    app.all(path, (c) =>
      errorResponse(
        new EdgevmError(
          "METHOD_NOT_ALLOWED",
          `${c.req.method} is not allowed on ${path}; allowed: ${allow}`,
        ),
        c.var.log,
        { allow },
      ),
    );
  }

  app.notFound((c) =>
    errorResponse(
      new EdgevmError("NOT_FOUND", `no route for ${c.req.method} ${c.req.path}`),
      c.var.log ?? logger,
    ),
  );
  app.onError((err, c) => errorResponse(err, c.var.log ?? logger));
  return app;
}
