import { describe, expect, it } from "vitest";
import { call, errorOf, fakeCalls, release, uniqueName } from "./helpers.js";

describe("auth", () => {
  it("answers 401 UNAUTHORIZED without a key, and never calls the emulator", async () => {
    const marker = uniqueName("noauth");
    const res = await call("/v1/jobs", {
      key: null,
      body: { command: ["echo"], env: { MARKER: marker } },
    });
    expect(res.status).toBe(401);
    expect((await errorOf(res)).code).toBe("UNAUTHORIZED");
    expect(await fakeCalls(marker)).toHaveLength(0);
  });

  it("answers 401 with a bad key", async () => {
    const res = await call("/v1/regions", { key: "not-a-key" });
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toMatch(/application\/json/);
    expect(await errorOf(res)).toMatchObject({ code: "UNAUTHORIZED", message: "invalid API key" });
  });

  it("leaves /healthz open", async () => {
    const res = await call("/healthz", { key: null });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, region: "test-region" });
  });
});

describe("POST /v1/jobs (wait)", () => {
  it("forwards the job signed, with the request id, and returns the result", async () => {
    const marker = uniqueName("wait");
    const res = await call("/v1/jobs", {
      body: { command: ["echo", "hello", "world"], env: { MARKER: marker } },
      headers: { "x-request-id": `req-${marker}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toBe(`req-${marker}`);
    const result = (await res.json()) as Record<string, unknown>;
    expect(result).toMatchObject({
      status: "succeeded",
      exitCode: 0,
      stdout: "hello world\n",
      region: "test-region",
      host: "fake-host-1",
      vm: { start: "warm" },
    });
    // The fake host is the real emulator API: it only ran the job because the signature verified.
    expect(await fakeCalls(marker)).toEqual([
      { requestId: `req-${marker}`, command: ["echo", "hello", "world"], marker },
    ]);
  });

  it("generates a request id when none (or an insane one) is given", async () => {
    const res = await call("/v1/jobs", {
      body: { command: ["echo"] },
      headers: { "x-request-id": "bad id with spaces" },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("passes emulator errors through unchanged (503 + Retry-After)", async () => {
    const res = await call("/v1/jobs", { body: { command: ["busy"] } });
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("2");
    expect(await errorOf(res)).toEqual({
      code: "NO_CAPACITY",
      message: "no free slot on this host",
    });
  });

  it("passes the host's UNKNOWN_IMAGE through (the host owns its image list)", async () => {
    const res = await call("/v1/jobs", { body: { command: ["echo"], image: "nope" } });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe("UNKNOWN_IMAGE");
  });
});

describe("bad input is answered by the Worker", () => {
  const cases: Array<[string, { body?: unknown; rawBody?: string }, string, RegExp]> = [
    ["bad JSON", { rawBody: "{nope" }, "INVALID_JSON", /not valid JSON/],
    ["an empty body", { rawBody: "" }, "INVALID_JSON", /empty/],
    ["a missing command", { body: { image: "base" } }, "INVALID_REQUEST", /command: is required/],
    [
      "a non-string env value",
      { body: { command: ["ls"], env: { A: 1 } } },
      "INVALID_REQUEST",
      /env\.A/,
    ],
    ["an unknown field", { body: { command: ["ls"], bogus: true } }, "INVALID_REQUEST", /bogus/],
    [
      "another region",
      { body: { command: ["ls"], region: "elsewhere" } },
      "INVALID_REQUEST",
      /region/,
    ],
  ];
  for (const [name, input, code, message] of cases) {
    it(`400 ${code} for ${name}, without calling the emulator`, async () => {
      const marker = uniqueName("bad");
      const res = await call("/v1/jobs", {
        method: "POST",
        ...input,
        headers: { "x-request-id": marker },
      });
      expect(res.status).toBe(400);
      const error = await errorOf(res);
      expect(error.code).toBe(code);
      expect(error.message).toMatch(message);
    });
  }

  it("accepts its own region as a pin", async () => {
    const res = await call("/v1/jobs", { body: { command: ["echo", "x"], region: "test-region" } });
    expect(res.status).toBe(200);
  });

  it("413 for a body over the cap", async () => {
    const res = await call("/v1/jobs", {
      body: { command: ["echo"], stdin: "x".repeat(1024 * 1024 + 10) },
    });
    expect(res.status).toBe(413);
    expect((await errorOf(res)).code).toBe("PAYLOAD_TOO_LARGE");
  });
});

describe("POST /v1/jobs (stream)", () => {
  it("pipes SSE through unbuffered: the first event arrives before the last is emitted", async () => {
    const gate = uniqueName("sse");
    const res = await call("/v1/jobs", {
      body: { command: ["gate", gate] },
      headers: { accept: "text/event-stream" },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/event-stream/);
    const reader = (res.body as ReadableStream<Uint8Array>)
      .pipeThrough(new TextDecoderStream())
      .getReader();
    let text = "";
    while (!text.includes("first")) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`stream ended early: ${text}`);
      text += value;
    }
    expect(text).toContain("event: start");
    expect(text).not.toContain("event: exit");
    await release(gate); // only now does the fake emit "last" and exit
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    expect(text).toContain("last");
    expect(text).toMatch(/event: exit\ndata: \{.*"status":"succeeded"/);
  });

  it("returns capacity errors as JSON before the stream starts", async () => {
    const res = await call("/v1/jobs", {
      body: { command: ["busy"] },
      headers: { accept: "text/event-stream" },
    });
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("2");
  });
});
