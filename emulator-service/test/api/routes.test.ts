import { describe, expect, it } from "vitest";
import { errorOf, makeApp, postJob, signedInit } from "./helpers.js";

describe("emulator API routes", () => {
  it("serves /healthz without auth", async () => {
    const { app } = makeApp();
    const res = await app.request("/healthz");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, region: "test-region", host: "test-host" });
  });

  it("uses region/host from options when given", async () => {
    const { app } = makeApp({ region: "r1", host: "h1" });
    expect(await (await app.request("/healthz")).json()).toEqual({
      ok: true,
      region: "r1",
      host: "h1",
    });
  });

  it("renders metrics that count requests", async () => {
    const { app } = makeApp();
    await app.request("/healthz");
    await app.request("/healthz");
    await postJob(app, { command: ["ls"] });
    await app.request("/nope");
    const res = await app.request("/metrics");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const text = await res.text();
    expect(text).toContain("# TYPE edgevm_http_requests_total counter");
    expect(text).toContain('edgevm_http_requests_total{route="/healthz",status="200"} 2');
    expect(text).toContain('edgevm_http_requests_total{route="/v1/jobs",status="200"} 1');
    expect(text).toContain('edgevm_http_requests_total{route="unmatched",status="404"} 1');
    expect(text).toContain("# TYPE edgevm_vm_start_seconds histogram");
  });

  it("answers unknown routes with 404 JSON", async () => {
    const { app } = makeApp();
    const res = await app.request("/does/not/exist");
    expect(res.status).toBe(404);
    const error = await errorOf(res);
    expect(error.code).toBe("NOT_FOUND");
    expect(error.message).toContain("/does/not/exist");
  });

  it("answers a wrong method on a known path with 405 and Allow", async () => {
    const { app } = makeApp();
    const res = await app.request("/healthz", { method: "DELETE" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET, HEAD");
    expect((await errorOf(res)).code).toBe("METHOD_NOT_ALLOWED");
    const jobs = await app.request("/v1/jobs", await signedInit("/v1/jobs"));
    expect(jobs.status).toBe(405);
    expect(jobs.headers.get("allow")).toBe("POST");
  });

  it("returns capacity and images", async () => {
    const { app, runner } = makeApp();
    const cap = await app.request("/v1/capacity", await signedInit("/v1/capacity"));
    expect(await cap.json()).toEqual(runner.capacity());
    const images = await app.request("/v1/images", await signedInit("/v1/images"));
    expect(await images.json()).toEqual([{ name: "base" }, { name: "python" }]);
  });

  it("uses describeImages when given", async () => {
    const { app } = makeApp({
      describeImages: async () => [{ name: "base", description: "busybox" }],
    });
    const images = await app.request("/v1/images", await signedInit("/v1/images"));
    expect(await images.json()).toEqual([{ name: "base", description: "busybox" }]);
  });

  it("echoes a sane x-request-id and passes it to the runner", async () => {
    const { app, runner, lines } = makeApp();
    const res = await postJob(app, { command: ["ls"] }, { "x-request-id": "req-abc.123_X" });
    expect(res.headers.get("x-request-id")).toBe("req-abc.123_X");
    expect(runner.calls[0]?.options?.requestId).toBe("req-abc.123_X");
    const access = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.msg === "request");
    expect(access).toMatchObject({
      level: "info",
      requestId: "req-abc.123_X",
      method: "POST",
      path: "/v1/jobs",
      status: 200,
    });
    expect(typeof access?.ms).toBe("number");
  });

  it("replaces an insane x-request-id with a generated one", async () => {
    const { app } = makeApp();
    const bad = await app.request("/healthz", { headers: { "x-request-id": "a b<script>" } });
    expect(bad.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const long = await app.request("/healthz", { headers: { "x-request-id": "a".repeat(129) } });
    expect(long.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const none = await app.request("/healthz");
    expect(none.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("sets x-request-id on error responses too", async () => {
    const { app } = makeApp();
    const res = await app.request("/v1/jobs", {
      method: "POST",
      headers: { "x-request-id": "r1" },
    });
    expect(res.status).toBe(401);
    expect(res.headers.get("x-request-id")).toBe("r1");
  });
});
