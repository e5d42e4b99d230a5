/**
 * The directory's HTTP side, for emulator hosts (not clients): `POST /internal/hosts/heartbeat`
 * and `POST /internal/hosts/leave` (see the contract's `membership.ts`). Requests are signed with the
 * region's `EMULATOR_SECRET`, like the Worker's own requests to hosts; no API key.
 */

import { Hono } from "hono";
import type { z } from "zod";
import type { AppEnv } from "../http/app-env.js";
import {
  EdgevmError,
  HEARTBEAT_PATH,
  hostHeartbeatSchema,
  hostLeaveSchema,
  LEAVE_PATH,
  parseJsonBody,
  readBodyWithLimit,
  verifyRequest,
} from "../shared/index.js";

/** A heartbeat is a few KiB of capacity; anything bigger is not one. */
const MAX_MEMBERSHIP_BODY_BYTES = 65_536;

async function signedBody<T>(request: Request, secret: string, schema: z.ZodType<T>): Promise<T> {
  if (!secret) {
    throw new EdgevmError("INVALID_CONFIG", "EMULATOR_SECRET is not set: hosts cannot join");
  }
  const body = await readBodyWithLimit(request, MAX_MEMBERSHIP_BODY_BYTES);
  const url = new URL(request.url);
  const verdict = await verifyRequest({
    secret,
    method: request.method,
    path: url.pathname + url.search,
    body,
    headers: request.headers,
  });
  if (!verdict.ok) throw new EdgevmError("UNAUTHORIZED", verdict.message);
  const parsed = schema.safeParse(parseJsonBody(body));
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new EdgevmError("INVALID_REQUEST", `invalid membership message: ${issues.join("; ")}`, {
      details: { issues },
    });
  }
  return parsed.data;
}

function directory(env: AppEnv["Bindings"]) {
  return env.HOSTS.get(env.HOSTS.idFromName(env.REGION));
}

export function hostRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post(HEARTBEAT_PATH, async (c) => {
    const beat = await signedBody(c.req.raw, c.env.EMULATOR_SECRET, hostHeartbeatSchema);
    if (beat.region !== c.env.REGION) {
      // (checked here: an EdgevmError thrown inside the Durable Object would lose its code)
      throw new EdgevmError(
        "INVALID_REQUEST",
        `host ${beat.host} belongs to region ${JSON.stringify(beat.region)}, this is ${JSON.stringify(c.env.REGION)}`,
      );
    }
    return c.json(await directory(c.env).heartbeat(beat));
  });
  app.post(LEAVE_PATH, async (c) => {
    const leave = await signedBody(c.req.raw, c.env.EMULATOR_SECRET, hostLeaveSchema);
    await directory(c.env).leave(leave);
    return c.json({ ok: true });
  });
  return app;
}
