import { describe, expect, it } from "vitest";
import { apiKeyBindingSchema, jsonBindingParser, regionsBindingSchema } from "../src/index.js";

describe("the Workers' JSON bindings", () => {
  const parseRegions = jsonBindingParser("REGIONS", regionsBindingSchema);

  it("parses REGIONS, trimming trailing slashes off URLs, and keeps the last value", () => {
    const text = JSON.stringify([
      { name: "eu", url: "http://127.0.0.1:8801/", location: { lat: 1, lon: 2 } },
      { name: "us", url: "http://127.0.0.1:8802", cidrs: ["10.0.0.0/8"] },
    ]);
    const regions = parseRegions(text);
    expect(regions.map((r) => r.url)).toEqual(["http://127.0.0.1:8801", "http://127.0.0.1:8802"]);
    expect(parseRegions(text)).toBe(regions);
  });

  it("a missing, non-JSON or invalid binding is INTERNAL naming it", () => {
    expect(() => parseRegions(undefined)).toThrow(/binding REGIONS is not set/);
    expect(() => parseRegions("{nope")).toThrow(/binding REGIONS is not valid JSON/);
    expect(() => parseRegions("[]")).toThrow(/binding REGIONS is invalid/);
    const twice = JSON.stringify([
      { name: "eu", url: "http://a" },
      { name: "eu", url: "http://b" },
    ]);
    expect(() => parseRegions(twice)).toThrow(/duplicate region name/);
    const badCidr = JSON.stringify([{ name: "eu", url: "http://a", cidrs: ["10.0.0.0/99"] }]);
    expect(() => parseRegions(badCidr)).toThrow(/not an IPv4\/IPv6 CIDR/);
    let thrown: unknown;
    try {
      parseRegions("{nope");
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toMatchObject({ code: "INTERNAL" });
  });

  it("API_KEYS holds hashes and tenants only", () => {
    const parse = jsonBindingParser("API_KEYS", apiKeyBindingSchema.array());
    expect(parse(JSON.stringify([{ sha256: "a".repeat(64), tenant: "t1" }]))).toEqual([
      { sha256: "a".repeat(64), tenant: "t1" },
    ]);
    expect(() => parse(JSON.stringify([{ key: "secret", tenant: "t1" }]))).toThrow(/API_KEYS/);
  });
});
