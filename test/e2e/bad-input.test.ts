import { signRequest } from "@edgevm/contract";
import { describe, expect, it } from "vitest";
import { SECRET, useHarness } from "./harness.js";

const harness = useHarness({ pools: { base: { warm: 1, spawned: 1 } } });

async function post(
  body: string | Uint8Array,
  options: { sign?: boolean; now?: number; secret?: string } = {},
) {
  const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (options.sign !== false) {
    Object.assign(
      headers,
      await signRequest({
        secret: options.secret ?? SECRET,
        method: "POST",
        path: "/v1/jobs",
        body: bytes,
        ...(options.now ? { now: options.now } : {}),
      }),
    );
  }
  const response = await fetch(new URL("/v1/jobs", harness().service.url), {
    method: "POST",
    headers,
    body: bytes,
  });
  const json = (await response.json()) as { error?: { code: string; message: string } };
  return { status: response.status, json };
}

describe("bad input gets a clear JSON error", () => {
  const cases: [string, string, number, string, RegExp][] = [
    ["bad JSON", "{not json", 400, "INVALID_JSON", /JSON/i],
    ["missing command", "{}", 400, "INVALID_REQUEST", /command/],
    ["command not an array", '{"command":"ls"}', 400, "INVALID_REQUEST", /command/],
    ["empty command", '{"command":[]}', 400, "INVALID_REQUEST", /command/],
    ["unknown image", '{"command":["ls"],"image":"windows"}', 400, "UNKNOWN_IMAGE", /windows/],
    ["negative timeout", '{"command":["ls"],"timeoutMs":-5}', 400, "INVALID_REQUEST", /timeoutMs/],
    [
      "huge timeout",
      '{"command":["ls"],"timeoutMs":99999999999}',
      400,
      "INVALID_REQUEST",
      /timeoutMs/,
    ],
    [
      "non-string env value",
      '{"command":["ls"],"env":{"PORT":8080}}',
      400,
      "INVALID_REQUEST",
      /PORT/,
    ],
    ["too little memory", '{"command":["ls"],"memoryMiB":16}', 400, "INVALID_REQUEST", /memoryMiB/],
    [
      "relative file path",
      '{"command":["ls"],"files":{"etc/x":"y"}}',
      400,
      "INVALID_REQUEST",
      /files/,
    ],
    [
      "network without permission",
      '{"command":["ls"],"network":true}',
      400,
      "NETWORK_NOT_ALLOWED",
      /network/i,
    ],
  ];
  for (const [name, body, status, code, message] of cases) {
    it(name, async () => {
      const r = await post(body);
      expect(r.status).toBe(status);
      expect(r.json.error?.code).toBe(code);
      expect(r.json.error?.message).toMatch(message);
    });
  }

  it("oversized body → 413", async () => {
    const big = JSON.stringify({ command: ["cat"], stdin: "x".repeat(2 * 1024 * 1024) });
    const r = await post(big);
    expect(r.status).toBe(413);
    expect(r.json.error?.code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("unsigned → 401", async () => {
    const r = await post('{"command":["ls"]}', { sign: false });
    expect(r.status).toBe(401);
    expect(r.json.error?.code).toBe("UNAUTHORIZED");
  });

  it("stale signature (replay) → 401", async () => {
    const r = await post('{"command":["ls"]}', { now: Date.now() - 10 * 60_000 });
    expect(r.status).toBe(401);
    expect(r.json.error?.message).toMatch(/stale|old|expired|skew/i);
  });

  it("wrong secret → 401", async () => {
    const r = await post('{"command":["ls"]}', { secret: "not-the-secret-at-all" });
    expect(r.status).toBe(401);
  });

  it("the service is still healthy and runs jobs afterwards", async () => {
    const health = await fetch(new URL("/healthz", harness().service.url));
    expect(health.status).toBe(200);
    const r = await harness().client.run({ command: ["echo", "ok"] });
    expect(r).toMatchObject({ status: "succeeded", stdout: "ok\n" });
  });
});
