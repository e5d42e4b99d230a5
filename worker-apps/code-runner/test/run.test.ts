import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MAX_BODY_BYTES } from "../src/app.js";
import { BASE, callsFor, errorOf, newRequestId, post } from "./helpers.js";

describe("POST /run", () => {
  it("runs an sh snippet from JSON and returns the result", async () => {
    const requestId = newRequestId();
    const res = await post("/run", {
      requestId,
      json: { language: "sh", code: "echo hi; echo oops >&2; exit 3", stdin: "in" },
      script: {
        result: {
          status: "failed",
          exitCode: 3,
          stdout: "hi\n",
          stderr: "oops\n",
          vm: { id: "vm-7", start: "restore", memoryMiB: 128 },
          timing: { queueMs: 0, startMs: 40, runMs: 20, totalMs: 61 },
        },
      },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toBe(requestId);
    expect(await res.json()).toEqual({
      stdout: "hi\n",
      stderr: "oops\n",
      exitCode: 3,
      status: "failed",
      ms: 61,
      vm: { id: "vm-7", start: "restore", memoryMiB: 128 },
      truncated: false,
    });
    expect(await callsFor(requestId)).toEqual([
      {
        method: "run",
        job: {
          command: ["sh", "-c", "--", "echo hi; echo oops >&2; exit 3"],
          stdin: "in",
          timeoutMs: 10_000,
          requestId,
        },
      },
    ]);
  });

  it("runs an awk program over stdin", async () => {
    const requestId = newRequestId();
    const res = await post("/run", {
      requestId,
      json: { language: "awk", code: "{ s += $1 } END { print s }", stdin: "1\n2\n3\n" },
      script: { result: { stdout: "6\n" } },
    });
    expect(await res.json()).toMatchObject({ stdout: "6\n", exitCode: 0, status: "succeeded" });
    expect(await callsFor(requestId)).toEqual([
      {
        method: "run",
        job: {
          command: ["awk", "--", "{ s += $1 } END { print s }"],
          stdin: "1\n2\n3\n",
          timeoutMs: 10_000,
          requestId,
        },
      },
    ]);
  });

  it("takes a raw text body with ?language=", async () => {
    const requestId = newRequestId();
    const code = 'BEGIN { print "it\'s raw" }\n';
    const res = await post("/run?language=awk", {
      requestId,
      raw: code,
      contentType: "text/plain",
    });
    expect(res.status).toBe(200);
    expect(await callsFor(requestId)).toEqual([
      { method: "run", job: { command: ["awk", "--", code], timeoutMs: 10_000, requestId } },
    ]);
  });

  it("reports a timeout as a result, not an error", async () => {
    const requestId = newRequestId();
    const res = await post("/run", {
      requestId,
      json: { code: "sleep 60" },
      script: { result: { status: "timeout", exitCode: null, stdout: "" } },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "timeout", exitCode: null });
  });

  it("streams the VM's SSE bytes as they are with ?stream=1", async () => {
    const requestId = newRequestId();
    const sse =
      'event: stdout\ndata: {"data":"tick 1\\n"}\n\nevent: exit\ndata: {"exitCode":0}\n\n';
    const res = await post("/run?stream=1", {
      requestId,
      json: { language: "sh", code: "echo tick 1" },
      script: { sse },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(res.headers.get("x-request-id")).toBe(requestId);
    expect(await res.text()).toBe(sse);
    expect(await callsFor(requestId)).toEqual([
      {
        method: "stream",
        job: { command: ["sh", "-c", "--", "echo tick 1"], timeoutMs: 10_000, requestId },
      },
    ]);
  });

  it.each([
    [{ language: "python", code: "print(1)" }, /unknown language "python"/],
    [{ language: "sh", code: "" }, /code must not be empty/],
    [{ language: "sh", code: "#".repeat(64 * 1024 + 1) }, /code must be at most 65536 bytes/],
    [{ code: "echo", extra: true }, /unknown field\(s\): extra/],
  ])("answers 400 for %#", async (json, message) => {
    const requestId = newRequestId();
    const res = await post("/run", { requestId, json });
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const error = await errorOf(res);
    expect(error.code).toBe("INVALID_REQUEST");
    expect(error.message).toMatch(message);
    expect(await callsFor(requestId)).toEqual([]);
  });

  it("answers 400 for bad JSON and for an unknown ?language= on a raw body", async () => {
    const requestId = newRequestId();
    const bad = await post("/run", { requestId, raw: "{", contentType: "application/json" });
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).message).toBe("the body is not valid JSON");
    const lang = await post("/run?language=ruby", { requestId, raw: "puts 1" });
    expect(lang.status).toBe(400);
    expect((await errorOf(lang)).message).toMatch(/unknown language "ruby"/);
    expect(await callsFor(requestId)).toEqual([]);
  });

  it("refuses an oversized body with 413 before parsing it", async () => {
    const requestId = newRequestId();
    const res = await post("/run", { requestId, raw: "x".repeat(MAX_BODY_BYTES + 1) });
    expect(res.status).toBe(413);
    expect((await errorOf(res)).code).toBe("PAYLOAD_TOO_LARGE");
    expect(await callsFor(requestId)).toEqual([]);
  });

  it("maps VmService errors to statuses, for run and for stream", async () => {
    const requestId = newRequestId();
    const script = { error: "NO_CAPACITY: all 2 slots are busy" };
    for (const path of ["/run", "/run?stream=1"]) {
      const res = await post(path, { requestId, json: { code: "true" }, script });
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBe("1");
      expect(await errorOf(res)).toEqual({ code: "NO_CAPACITY", message: "all 2 slots are busy" });
    }
    expect((await callsFor(requestId)).map((call) => call.method)).toEqual(["run", "stream"]);
  });

  it("passes the service's validation errors on as 400", async () => {
    const requestId = newRequestId();
    const res = await post("/run", {
      requestId,
      json: { code: "true" },
      script: { error: "INVALID_REQUEST: image: unknown image" },
    });
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toEqual({
      code: "INVALID_REQUEST",
      message: "image: unknown image",
    });
  });
});

describe("GET /", () => {
  it("serves the page with a textarea and a Run button calling /run", async () => {
    const res = await exports.default.fetch(`${BASE}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(res.headers.get("content-security-policy")).toContain("connect-src 'self'");
    const html = await res.text();
    expect(html).toContain('<textarea id="code"');
    expect(html).toContain('<button id="run">Run</button>');
    expect(html).toContain('fetch("/run?stream=1"');
  });

  it("answers unknown routes with a JSON 404", async () => {
    const res = await exports.default.fetch(`${BASE}/nope`);
    expect(res.status).toBe(404);
    expect((await errorOf(res)).code).toBe("NOT_FOUND");
  });
});
