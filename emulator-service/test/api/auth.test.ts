import { describe, expect, it } from "vitest";
import { errorOf, makeApp, SECRET, signedInit } from "./helpers.js";

describe("/v1 signature middleware", () => {
  it("rejects an unsigned request with 401 JSON", async () => {
    const { app, runner } = makeApp();
    const res = await app.request("/v1/jobs", { method: "POST", body: '{"command":["ls"]}' });
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toMatch(/application\/json/);
    const error = await errorOf(res);
    expect(error.code).toBe("UNAUTHORIZED");
    expect(error.message).toMatch(/missing x-edgevm-timestamp/);
    expect(runner.calls).toHaveLength(0);
  });

  it("rejects a stale signature", async () => {
    const { app } = makeApp();
    const init = await signedInit("/v1/capacity", { now: Date.now() - 5 * 60_000 });
    const res = await app.request("/v1/capacity", init);
    expect(res.status).toBe(401);
    expect((await errorOf(res)).message).toMatch(/stale/);
  });

  it("rejects a signature made with another secret", async () => {
    const { app } = makeApp();
    const res = await app.request(
      "/v1/capacity",
      await signedInit("/v1/capacity", { secret: "x" }),
    );
    expect(res.status).toBe(401);
    expect((await errorOf(res)).message).toMatch(/does not match/);
  });

  it("binds the query string", async () => {
    const { app } = makeApp();
    const res = await app.request("/v1/capacity?x=1", await signedInit("/v1/capacity"));
    expect(res.status).toBe(401);
    const ok = await app.request("/v1/capacity?x=1", await signedInit("/v1/capacity?x=1"));
    expect(ok.status).toBe(200);
  });

  it("verifies against the raw body bytes", async () => {
    const { app } = makeApp();
    const init = await signedInit("/v1/jobs", { body: '{"command":["ls"]}' });
    const res = await app.request("/v1/jobs", { ...init, body: '{"command": ["ls"]}' });
    expect(res.status).toBe(401);
  });

  it("uses the configured clock and skew", async () => {
    const { app } = makeApp({ now: () => 1_000_000, maxSkewMs: 10 });
    const fresh = await app.request(
      "/v1/capacity",
      await signedInit("/v1/capacity", { now: 999_995 }),
    );
    expect(fresh.status).toBe(200);
    const old = await app.request(
      "/v1/capacity",
      await signedInit("/v1/capacity", { now: 999_980 }),
    );
    expect(old.status).toBe(401);
  });

  it("refuses to build an app without a secret", async () => {
    expect(() => makeApp({ secret: "" })).toThrow(/secret/);
    expect(SECRET.length).toBeGreaterThan(0);
  });
});
