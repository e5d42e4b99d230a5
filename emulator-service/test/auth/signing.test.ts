import {
  assertSignedRequest,
  canonicalString,
  DEFAULT_MAX_SKEW_MS,
  EdgevmError,
  fromHex,
  SIGNATURE_HEADER,
  signRequest,
  TIMESTAMP_HEADER,
  timingSafeEqual,
  toHex,
  type VerifyInput,
  verifyRequest,
} from "@edgevm/contract";
import { describe, expect, it } from "vitest";

const SECRET = "s3cret";
const NOW = 1_700_000_000_000;
const PATH = "/v1/jobs?wait=false";
const BODY = '{"command":["echo","hi"]}';

async function signed(overrides: Partial<VerifyInput> = {}): Promise<VerifyInput> {
  const headers = new Headers(
    await signRequest({ secret: SECRET, method: "POST", path: PATH, body: BODY, now: NOW }),
  );
  return {
    secret: SECRET,
    method: "POST",
    path: PATH,
    body: BODY,
    headers,
    now: NOW,
    ...overrides,
  };
}

describe("signRequest", () => {
  it("produces the documented headers and canonical string", async () => {
    const headers = await signRequest({
      secret: SECRET,
      method: "post",
      path: PATH,
      body: BODY,
      now: NOW,
    });
    expect(headers[TIMESTAMP_HEADER]).toBe(String(NOW));
    expect(headers[SIGNATURE_HEADER]).toMatch(/^v1=[0-9a-f]{64}$/);
    // Independent computation with Web Crypto.
    const bodyHash = toHex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(BODY)));
    const canonical = `${NOW}\nPOST\n${PATH}\n${bodyHash}`;
    expect(await canonicalString(String(NOW), "post", PATH, BODY)).toBe(canonical);
    const key = await crypto.subtle.importKey(
      "raw",
      new TextEncoder().encode(SECRET),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(canonical));
    expect(headers[SIGNATURE_HEADER]).toBe(`v1=${toHex(mac)}`);
  });

  it("signs string and byte bodies identically, empty body by default", async () => {
    const a = await signRequest({ secret: SECRET, method: "GET", path: "/v1/x", now: NOW });
    const b = await signRequest({
      secret: SECRET,
      method: "GET",
      path: "/v1/x",
      body: new Uint8Array(0),
      now: NOW,
    });
    expect(a).toEqual(b);
    const c = await signRequest({
      secret: SECRET,
      method: "POST",
      path: PATH,
      body: new TextEncoder().encode(BODY),
      now: NOW,
    });
    expect(c).toEqual(
      await signRequest({ secret: SECRET, method: "POST", path: PATH, body: BODY, now: NOW }),
    );
  });

  it("refuses an empty secret", async () => {
    await expect(signRequest({ secret: "", method: "GET", path: "/" })).rejects.toThrow(/secret/);
  });
});

describe("verifyRequest", () => {
  it("accepts a valid request", async () => {
    expect(await verifyRequest(await signed())).toEqual({ ok: true });
  });

  it("accepts a request at the edge of the allowed skew", async () => {
    expect(await verifyRequest(await signed({ now: NOW + DEFAULT_MAX_SKEW_MS }))).toEqual({
      ok: true,
    });
  });

  it("rejects a tampered body", async () => {
    const result = await verifyRequest(await signed({ body: '{"command":["rm","-rf","/"]}' }));
    expect(result).toMatchObject({ ok: false, reason: "bad_signature" });
  });

  it("rejects a tampered path, query or method", async () => {
    for (const change of [
      { path: "/v1/jobs" },
      { path: "/v1/jobs?wait=true" },
      { method: "PUT" },
    ]) {
      expect(await verifyRequest(await signed(change))).toMatchObject({
        ok: false,
        reason: "bad_signature",
      });
    }
  });

  it("rejects a stale timestamp, saying so", async () => {
    const result = await verifyRequest(await signed({ now: NOW + DEFAULT_MAX_SKEW_MS + 1 }));
    expect(result).toMatchObject({ ok: false, reason: "stale_timestamp" });
    expect(!result.ok && result.message).toMatch(/stale.*old/);
  });

  it("rejects a timestamp from the future", async () => {
    const result = await verifyRequest(await signed({ now: NOW - 120_000 }));
    expect(result).toMatchObject({ ok: false, reason: "stale_timestamp" });
    expect(!result.ok && result.message).toMatch(/in the future/);
  });

  it("honours a custom maxSkewMs", async () => {
    expect(await verifyRequest(await signed({ now: NOW + 2000, maxSkewMs: 1000 }))).toMatchObject({
      ok: false,
      reason: "stale_timestamp",
    });
  });

  it("rejects missing headers, naming which", async () => {
    const base = await signed();
    const noTs = new Headers(base.headers as Headers);
    noTs.delete(TIMESTAMP_HEADER);
    expect(await verifyRequest({ ...base, headers: noTs })).toMatchObject({
      ok: false,
      reason: "missing_timestamp",
      message: `missing ${TIMESTAMP_HEADER} header`,
    });
    const noSig = new Headers(base.headers as Headers);
    noSig.delete(SIGNATURE_HEADER);
    expect(await verifyRequest({ ...base, headers: noSig })).toMatchObject({
      ok: false,
      reason: "missing_signature",
      message: `missing ${SIGNATURE_HEADER} header`,
    });
  });

  it("rejects malformed headers", async () => {
    const base = await signed();
    const cases: Array<[string, string, string]> = [
      [TIMESTAMP_HEADER, "yesterday", "malformed_timestamp"],
      [TIMESTAMP_HEADER, "-5", "malformed_timestamp"],
      [SIGNATURE_HEADER, "v2=00", "malformed_signature"],
      [SIGNATURE_HEADER, `v1=${"zz".repeat(32)}`, "malformed_signature"],
      [SIGNATURE_HEADER, `v1=${"ab".repeat(31)}`, "malformed_signature"],
    ];
    for (const [name, value, reason] of cases) {
      const headers = new Headers(base.headers as Headers);
      headers.set(name, value);
      expect(await verifyRequest({ ...base, headers })).toMatchObject({ ok: false, reason });
    }
  });

  it("rejects the wrong secret", async () => {
    expect(await verifyRequest(await signed({ secret: "other" }))).toMatchObject({
      ok: false,
      reason: "bad_signature",
    });
  });

  it("assertSignedRequest throws UNAUTHORIZED with the reason", async () => {
    await expect(assertSignedRequest(await signed())).resolves.toBeUndefined();
    const err = await assertSignedRequest(await signed({ secret: "other" })).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(EdgevmError);
    expect(err).toMatchObject({ code: "UNAUTHORIZED", details: { reason: "bad_signature" } });
  });
});

describe("byte helpers", () => {
  it("compares in constant time semantics", () => {
    expect(timingSafeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3]))).toBe(true);
    expect(timingSafeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 4]))).toBe(false);
    expect(timingSafeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2, 0]))).toBe(false);
    expect(timingSafeEqual(new Uint8Array(0), new Uint8Array(0))).toBe(true);
  });

  it("round-trips hex", () => {
    expect(toHex(fromHex("00ff10Ab") ?? new Uint8Array())).toBe("00ff10ab");
    expect(fromHex("abc")).toBeUndefined();
    expect(fromHex("zz")).toBeUndefined();
  });
});
