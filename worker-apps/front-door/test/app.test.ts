import { describe, expect, it } from "vitest";
import { echo, errorOf, frontDoor, jsonError, PARIS, SINGAPORE, WASHINGTON } from "./harness.js";

const near = (location: string, headers: Record<string, string> = {}) => ({
  headers: { "x-edgevm-client-location": location, ...headers },
});

describe("front door: placement and forwarding", () => {
  it("sends a client to the nearest region and tags the response", async () => {
    const fd = frontDoor({ eu: echo("eu"), us: echo("us"), ap: echo("ap") });
    for (const [where, region] of [
      [PARIS, "eu"],
      [WASHINGTON, "us"],
      [SINGAPORE, "ap"],
    ] as const) {
      const res = await fd.request("/v1/regions?x=1", near(where));
      expect(res.status).toBe(200);
      expect(res.headers.get("x-edgevm-region")).toBe(region);
      expect(await res.json()).toMatchObject({ region, method: "GET", path: "/v1/regions?x=1" });
    }
  });

  it("maps a client address to a region by its cidrs, else uses the configured order", async () => {
    const fd = frontDoor({ eu: echo("eu"), us: echo("us"), ap: echo("ap") });
    let res = await fd.request("/v1/images", {
      headers: { "x-forwarded-for": "10.2.7.7, 10.1.1.1" },
    });
    expect(res.headers.get("x-edgevm-region")).toBe("us");
    res = await fd.request("/v1/images", { headers: { "cf-connecting-ip": "10.1.0.3" } });
    expect(res.headers.get("x-edgevm-region")).toBe("eu");
    res = await fd.request("/v1/images");
    expect(res.headers.get("x-edgevm-region")).toBe("eu");
  });

  it("forwards method, path, query, headers and body; generates and returns a request id", async () => {
    const fd = frontDoor({ eu: echo("eu") });
    const res = await fd.request("/v1/sandboxes/sb1/files?path=/a", {
      method: "PUT",
      headers: { authorization: "Bearer k", "content-type": "application/octet-stream" },
      body: "bytes",
    });
    const id = res.headers.get("x-request-id");
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const call = fd.calls.find((c) => c.path.startsWith("/v1/sandboxes"));
    expect(call).toMatchObject({
      method: "PUT",
      path: "/v1/sandboxes/sb1/files?path=/a",
      body: "bytes",
    });
    expect(call?.headers.get("authorization")).toBe("Bearer k");
    expect(call?.headers.get("x-request-id")).toBe(id);
  });

  it("keeps a sane caller request id", async () => {
    const fd = frontDoor({ eu: echo("eu") });
    const res = await fd.request("/v1/images", { headers: { "x-request-id": "trace-42" } });
    expect(res.headers.get("x-request-id")).toBe("trace-42");
    expect(fd.calls.at(-1)?.headers.get("x-request-id")).toBe("trace-42");
  });

  it("rejects a malformed client location header with 400 INVALID_REQUEST", async () => {
    const fd = frontDoor({ eu: echo("eu") });
    const res = await fd.request("/v1/images", near("north pole"));
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe("INVALID_REQUEST");
  });

  it("streams the region's body back without waiting for its end", async () => {
    let finish: () => void = () => {};
    const fd = frontDoor({
      eu: () =>
        new Response(
          new ReadableStream<Uint8Array>({
            async start(controller) {
              controller.enqueue(new TextEncoder().encode("event: start\ndata: {}\n\n"));
              await new Promise<void>((resolve) => {
                finish = resolve;
              });
              controller.enqueue(new TextEncoder().encode("event: exit\ndata: {}\n\n"));
              controller.close();
            },
          }),
          { headers: { "content-type": "text/event-stream" } },
        ),
    });
    const res = await fd.request("/v1/jobs", { method: "POST", body: "{}" });
    const reader = res.body?.getReader();
    const first = await reader?.read();
    expect(new TextDecoder().decode(first?.value)).toContain("event: start");
    finish();
    const rest = await reader?.read();
    expect(new TextDecoder().decode(rest?.value)).toContain("event: exit");
  });
});

describe("front door: pinning", () => {
  it("pins by ?region=, by header and by the POST body's region field", async () => {
    const fd = frontDoor({ eu: echo("eu"), us: echo("us"), ap: echo("ap") });
    let res = await fd.request("/v1/images?region=ap", near(PARIS));
    expect(res.headers.get("x-edgevm-region")).toBe("ap");
    res = await fd.request("/v1/images", near(PARIS, { "x-edgevm-region": "us" }));
    expect(res.headers.get("x-edgevm-region")).toBe("us");
    const body = JSON.stringify({ command: ["true"], region: "us" });
    res = await fd.request("/v1/jobs", { method: "POST", body, ...near(PARIS) });
    expect(res.headers.get("x-edgevm-region")).toBe("us");
    expect(((await res.json()) as { body: string }).body).toBe(body); // the same bytes
  });

  it("answers 400 UNKNOWN_REGION for a region that does not exist", async () => {
    const fd = frontDoor({ eu: echo("eu") });
    const res = await fd.request("/v1/images?region=mars");
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toMatchObject({ code: "UNKNOWN_REGION" });
    expect(fd.routed()).toEqual([]);
  });

  it("answers 503 REGION_UNAVAILABLE with Retry-After when a pinned region is down", async () => {
    const fd = frontDoor({ eu: echo("eu") });
    const res = await fd.request("/v1/images?region=us");
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("5");
    expect((await errorOf(res)).code).toBe("REGION_UNAVAILABLE");
    expect(fd.routed()).toEqual(["us"]);
  });

  it("passes a pinned region's own capacity answer through", async () => {
    const fd = frontDoor({
      eu: () => jsonError(503, "NO_CAPACITY", { "retry-after": "2" }),
      us: echo("us"),
    });
    const res = await fd.request("/v1/jobs?region=eu", { method: "POST", body: "{}" });
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("2");
    expect((await errorOf(res)).code).toBe("NO_CAPACITY");
  });

  it("caps request bodies at 1 MiB with 413 PAYLOAD_TOO_LARGE", async () => {
    const fd = frontDoor({ eu: echo("eu") });
    const res = await fd.request("/v1/jobs", { method: "POST", body: "x".repeat(1024 * 1024 + 1) });
    expect(res.status).toBe(413);
    expect((await errorOf(res)).code).toBe("PAYLOAD_TOO_LARGE");
    expect(fd.routed()).toEqual([]);
  });
});
