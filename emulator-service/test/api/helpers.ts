import { signRequest } from "@edgevm/contract";
import { createLogger, type Logger } from "@edgevm/observability";
import type { Hono } from "hono";
import type { ApiEnv } from "../../src/api/env.js";
import { createEmulatorApp } from "../../src/api/index.js";
import { createEmulatorMetrics, type EmulatorMetrics } from "../../src/metrics/index.js";
import { FakeRunner } from "./fake-runner.js";

export const SECRET = "test-secret-0123456789";

export interface TestApp {
  app: Hono<ApiEnv>;
  runner: FakeRunner;
  metrics: EmulatorMetrics;
  logger: Logger;
  lines: string[];
}

export function makeApp(extra: Partial<Parameters<typeof createEmulatorApp>[0]> = {}): TestApp {
  const runner = new FakeRunner();
  const metrics = createEmulatorMetrics();
  const lines: string[] = [];
  const logger = createLogger({ level: "debug", sink: (line) => lines.push(line) });
  const app = createEmulatorApp({ runner, metrics, logger, secret: SECRET, ...extra });
  return { app, runner, metrics, logger, lines };
}

export interface SignedInit {
  method?: string;
  body?: string | Uint8Array;
  headers?: Record<string, string>;
  now?: number;
  secret?: string;
}

/** Headers and body for a signed request to `path` (path + query as sent). */
export async function signedInit(path: string, init: SignedInit = {}): Promise<RequestInit> {
  const method = init.method ?? (init.body === undefined ? "GET" : "POST");
  const body = init.body ?? "";
  const signed = await signRequest({
    secret: init.secret ?? SECRET,
    method,
    path,
    body,
    now: init.now,
  });
  const out: RequestInit = { method, headers: { ...signed, ...init.headers } };
  if (method !== "GET" && method !== "HEAD") out.body = body;
  return out;
}

export async function postJob(
  app: Hono<ApiEnv>,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return app.request(
    "/v1/jobs",
    await signedInit("/v1/jobs", {
      body: text,
      headers: { "content-type": "application/json", ...headers },
    }),
  );
}

export interface ErrorJson {
  error: { code: string; message: string; details?: unknown };
}

export async function errorOf(res: Response): Promise<ErrorJson["error"]> {
  const json = (await res.json()) as ErrorJson;
  return json.error;
}
