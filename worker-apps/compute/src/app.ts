/** The compute Worker's HTTP API (Hono): routes, auth, request context, the one error mapping. */

import { Hono } from "hono";
import { requireApiKey } from "./auth/api-keys.js";
import { hostRoutes } from "./hosts/routes.js";
import type { AppEnv } from "./http/app-env.js";
import { requestContext } from "./http/request-context.js";
import type { IsolateContext } from "./isolate.js";
import { jobRoutes } from "./jobs/routes.js";
import { regionRoutes } from "./regions/routes.js";
import {
  EdgevmError,
  errorResponse,
  type Health,
  PROMETHEUS_CONTENT_TYPE,
} from "./shared/index.js";

/** The app over one isolate context: every request sees it as `c.var.isolate`. */
export function createApp(isolate: IsolateContext): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.use("*", async (c, next) => {
    c.set("isolate", isolate);
    await next();
  });
  app.use("*", requestContext());
  app.use("/v1/*", requireApiKey());

  app.get("/healthz", (c) => c.json({ ok: true, region: c.env.REGION } satisfies Health));
  app.get("/metrics", (c) =>
    c.body(isolate.metrics.registry.render(), 200, { "content-type": PROMETHEUS_CONTENT_TYPE }),
  );
  app.route("/", hostRoutes());
  app.route("/v1/jobs", jobRoutes());
  app.route("/v1", regionRoutes());

  app.notFound((c) =>
    errorResponse(
      new EdgevmError("NOT_FOUND", `no route for ${c.req.method} ${c.req.path}`),
      c.var.log ?? isolate.log,
    ),
  );
  // Every error, thrown anywhere, becomes JSON through the one code → status map (ERROR_STATUS).
  app.onError((err, c) => errorResponse(err, c.var.log ?? isolate.log));
  return app;
}
