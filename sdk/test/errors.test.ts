import { afterEach, describe, expect, it } from "vitest";
import {
  EdgevmApiError,
  EdgevmClient,
  EdgevmError,
  EdgevmNetworkError,
  parseRetryAfter,
} from "../src/index.js";
import {
  closedPort,
  type FakeServer,
  type Handler,
  sampleResult,
  sendError,
  sendJson,
  startServer,
} from "./fake-server.js";

let server: FakeServer | undefined;
const servers: FakeServer[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  server = undefined;
});

async function serve(
  handler: Handler,
  retries = 0,
): Promise<{ client: EdgevmClient; srv: FakeServer }> {
  server = await startServer(handler);
  servers.push(server);
  return { client: new EdgevmClient({ url: server.url, apiKey: "k", retries }), srv: server };
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error("expected a rejection");
}

describe("API errors", () => {
  it("maps the JSON error shape to EdgevmApiError", async () => {
    const { client } = await serve((_req, res) => {
      res.writeHead(400, { "content-type": "application/json", "x-request-id": "srv-1" });
      res.end(
        JSON.stringify({
          error: {
            code: "INVALID_REQUEST",
            message: "command: required",
            details: { issues: [1] },
          },
        }),
      );
    });
    const err = await caught(client.run({ command: [] }));
    expect(err).toBeInstanceOf(EdgevmApiError);
    expect(err).toBeInstanceOf(EdgevmError);
    expect(err).toMatchObject({
      status: 400,
      code: "INVALID_REQUEST",
      message: "400 INVALID_REQUEST: command: required",
      details: { issues: [1] },
      retryAfterMs: null,
      requestId: "srv-1",
    });
  });

  it("reports Retry-After in ms for 429 and 503, and the sent request id", async () => {
    const { client } = await serve((req, res) =>
      req.url === "/v1/jobs"
        ? sendError(res, 429, "QUEUE_FULL", "queue is full", { "retry-after": "3" })
        : sendError(res, 503, "NO_CAPACITY", "no hosts", { "retry-after": "2" }),
    );
    const err = await caught(client.run({ command: ["true"] }, { requestId: "mine" }));
    expect(err).toMatchObject({
      status: 429,
      code: "QUEUE_FULL",
      retryAfterMs: 3000,
      requestId: "mine",
    });
    const err2 = await caught(client.regions());
    expect(err2).toMatchObject({ status: 503, code: "NO_CAPACITY", retryAfterMs: 2000 });
  });

  it("401 and 404, and a non-JSON error body", async () => {
    const { client } = await serve((req, res) => {
      if (req.url === "/v1/images") return sendError(res, 401, "UNAUTHORIZED", "bad key");
      if (req.url?.startsWith("/v1/jobs/")) return sendError(res, 404, "NOT_FOUND", "no job");
      res.writeHead(502, { "content-type": "text/html" });
      res.end("<h1>Bad gateway</h1>");
    });
    expect(await caught(client.images())).toMatchObject({ status: 401, code: "UNAUTHORIZED" });
    expect(await caught(client.get("nope"))).toMatchObject({ status: 404, code: "NOT_FOUND" });
    expect(await caught(client.regions())).toMatchObject({
      status: 502,
      code: "HTTP_ERROR",
      message: "502 HTTP_ERROR: <h1>Bad gateway</h1>",
    });
  });

  it("parses Retry-After as seconds or an HTTP date", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("5", now)).toBe(5000);
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:07 GMT", now)).toBe(7000);
    expect(parseRetryAfter("Wed, 31 Dec 2025 00:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });
});

describe("retries", () => {
  it("retries a 503 after its Retry-After, then succeeds", async () => {
    const { client, srv } = await serve(
      (_req, res, _seen, index) =>
        index === 0
          ? sendError(res, 503, "NO_CAPACITY", "busy", { "retry-after": "1" })
          : sendJson(res, 200, sampleResult),
      2,
    );
    const started = Date.now();
    const result = await client.run({ command: ["true"] });
    const elapsed = Date.now() - started;
    expect(result.id).toBe("job_1");
    expect(srv.requests).toHaveLength(2);
    expect(elapsed).toBeGreaterThanOrEqual(950);
    // one logical call: the same body and request id on both attempts
    expect(srv.requests[1]?.body).toBe(srv.requests[0]?.body);
    expect(srv.requests[1]?.headers["x-request-id"]).toBe(srv.requests[0]?.headers["x-request-id"]);
  });

  it("retries 429 on submit, and stops after `retries` attempts", async () => {
    const { client, srv } = await serve(
      (_req, res) => sendError(res, 429, "QUEUE_FULL", "full", { "retry-after": "0" }),
      2,
    );
    expect(await caught(client.submit({ command: ["true"] }))).toMatchObject({ status: 429 });
    expect(srv.requests).toHaveLength(3);
  });

  it("does not retry by default, nor other statuses", async () => {
    const { client, srv } = await serve((_req, res) =>
      sendError(res, 503, "NO_CAPACITY", "busy", { "retry-after": "0" }),
    );
    expect(await caught(client.run({ command: ["true"] }))).toMatchObject({ status: 503 });
    expect(srv.requests).toHaveLength(1);

    const other = await serve((_req, res) => sendError(res, 502, "VM_CRASHED", "died"), 3);
    expect(await caught(other.client.run({ command: ["true"] }))).toMatchObject({ status: 502 });
    expect(other.srv.requests).toHaveLength(1);
  });

  it("never re-posts a job after a network failure, but retries an idempotent GET", async () => {
    const { client, srv } = await serve((req, res, _seen, index) => {
      if (index === 0) return void res.socket?.destroy();
      return sendJson(res, 200, req.method === "POST" ? sampleResult : [{ name: "base" }]);
    }, 2);
    const err = await caught(client.run({ command: ["true"] }));
    expect(err).toBeInstanceOf(EdgevmNetworkError);
    expect(srv.requests).toHaveLength(1);

    const again = await serve((_req, res, _seen, index) => {
      if (index === 0) return void res.socket?.destroy();
      return sendJson(res, 200, [{ name: "base" }]);
    }, 2);
    expect(await again.client.images()).toEqual([{ name: "base" }]);
    expect(again.srv.requests).toHaveLength(2);
  });

  it("does not retry a stored 503 from get(id): it is the job's outcome", async () => {
    const { client, srv } = await serve(
      (_req, res) => sendError(res, 503, "NO_CAPACITY", "rejected", { "retry-after": "0" }),
      3,
    );
    expect(await caught(client.wait("job_x", { pollMs: 5 }))).toMatchObject({
      status: 503,
      code: "NO_CAPACITY",
    });
    expect(srv.requests).toHaveLength(1);
  });
});

describe("network and abort", () => {
  it("an unreachable service throws EdgevmNetworkError", async () => {
    const port = await closedPort();
    const client = new EdgevmClient({ url: `http://127.0.0.1:${port}`, apiKey: "k" });
    const err = await caught(client.run({ command: ["true"] }, { requestId: "r1" }));
    expect(err).toBeInstanceOf(EdgevmNetworkError);
    expect(err).toMatchObject({ name: "EdgevmNetworkError", requestId: "r1" });
    expect((err as Error).message).toContain(`127.0.0.1:${port}/v1/jobs`);
  });

  it("an aborted call rejects with the signal's reason, not a network error", async () => {
    const { client } = await serve(() => {
      /* never answers */
    });
    const controller = new AbortController();
    const pending = caught(client.run({ command: ["sleep", "9"] }, { signal: controller.signal }));
    setTimeout(() => controller.abort(new Error("user gave up")), 50);
    const err = await pending;
    expect(err).not.toBeInstanceOf(EdgevmNetworkError);
    expect((err as Error).message).toBe("user gave up");
  });

  it("an abort during a Retry-After wait stops retrying", async () => {
    const { client, srv } = await serve(
      (_req, res) => sendError(res, 503, "NO_CAPACITY", "busy", { "retry-after": "30" }),
      5,
    );
    const started = Date.now();
    const err = await caught(client.regions({ signal: AbortSignal.timeout(100) }));
    expect((err as Error).name).toBe("TimeoutError");
    expect(Date.now() - started).toBeLessThan(5000);
    expect(srv.requests).toHaveLength(1);
  });
});
