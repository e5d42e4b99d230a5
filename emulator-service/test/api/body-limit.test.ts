import { describe, expect, it } from "vitest";
import { errorOf, makeApp, signedInit } from "./helpers.js";

const TWO_MIB = 2 * 1024 * 1024;

function bigJobBody(size: number): string {
  const prefix = '{"command":["echo"],"stdin":"';
  return `${prefix}${"x".repeat(size - prefix.length - 2)}"}`;
}

/** A body stream without a length, delivered in 64 KiB chunks. */
function chunkedStream(text: string, pulled: { chunks: number }): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.subarray(offset, offset + 65536));
      offset += 65536;
      pulled.chunks += 1;
    },
  });
}

describe("request body limit", () => {
  it("rejects a 2 MiB body with 413 before the runner sees it", async () => {
    const { app, runner } = makeApp();
    const body = bigJobBody(TWO_MIB);
    const res = await app.request("/v1/jobs", await signedInit("/v1/jobs", { body }));
    expect(res.status).toBe(413);
    const error = await errorOf(res);
    expect(error.code).toBe("PAYLOAD_TOO_LARGE");
    expect(error.message).toContain("1048576");
    expect(runner.calls).toHaveLength(0);
  });

  it("rejects a 2 MiB body without Content-Length, reading no more than the cap", async () => {
    const { app, runner } = makeApp();
    const body = bigJobBody(TWO_MIB);
    const init = await signedInit("/v1/jobs", { body });
    const pulled = { chunks: 0 };
    const request = new Request("http://localhost/v1/jobs", {
      method: "POST",
      headers: init.headers,
      body: chunkedStream(body, pulled),
      duplex: "half",
    } as RequestInit);
    expect(request.headers.get("content-length")).toBeNull();
    const res = await app.request(request);
    expect(res.status).toBe(413);
    expect((await errorOf(res)).code).toBe("PAYLOAD_TOO_LARGE");
    expect(pulled.chunks).toBeLessThanOrEqual(18);
    expect(runner.calls).toHaveLength(0);
  });

  it("rejects a body longer than a lying Content-Length claims", async () => {
    const { app } = makeApp({ limits: { maxBodyBytes: 1000 } });
    const body = bigJobBody(5000);
    const init = await signedInit("/v1/jobs", { body });
    const request = new Request("http://localhost/v1/jobs", {
      method: "POST",
      headers: { ...(init.headers as Record<string, string>), "content-length": "10" },
      body: chunkedStream(body, { chunks: 0 }),
      duplex: "half",
    } as RequestInit);
    const res = await app.request(request);
    expect(res.status).toBe(413);
  });

  it("accepts a body just under the cap", async () => {
    const { app, runner } = makeApp();
    const body = bigJobBody(1024 * 1024);
    const res = await app.request("/v1/jobs", await signedInit("/v1/jobs", { body }));
    expect(res.status).toBe(200);
    expect(runner.calls[0]?.spec.stdin?.length).toBeGreaterThan(1_000_000);
  });
});
