import { describe, expect, it } from "vitest";
import { cidrContains, parseCidr, parseIp } from "../src/cidr.js";

function contains(cidr: string, ip: string): boolean {
  const c = parseCidr(cidr);
  const a = parseIp(ip);
  if (!c || !a) throw new Error(`bad fixture ${cidr} ${ip}`);
  return cidrContains(c, a);
}

describe("parseIp", () => {
  it("parses IPv4", () => {
    expect(parseIp("10.1.2.3")).toEqual({ version: 4, value: 0x0a010203n });
    expect(parseIp(" 255.255.255.255 ")).toEqual({ version: 4, value: 0xffffffffn });
  });

  it("rejects malformed IPv4", () => {
    for (const bad of ["10.1.2", "10.1.2.3.4", "256.1.1.1", "01.1.1.1", "a.b.c.d", "", "1..2.3"])
      expect(parseIp(bad), bad).toBeUndefined();
  });

  it("parses IPv6 forms: full, compressed, brackets, zone", () => {
    expect(parseIp("2001:db8:0:0:0:0:0:1")).toEqual({
      version: 6,
      value: (0x20010db8n << 96n) | 1n,
    });
    expect(parseIp("2001:db8::1")).toEqual(parseIp("2001:db8:0:0:0:0:0:1"));
    expect(parseIp("::1")).toEqual({ version: 6, value: 1n });
    expect(parseIp("::")).toEqual({ version: 6, value: 0n });
    expect(parseIp("[fe80::1%eth0]")).toEqual({ version: 6, value: (0xfe80n << 112n) | 1n });
  });

  it("folds IPv4-mapped IPv6 to IPv4", () => {
    expect(parseIp("::ffff:10.1.2.3")).toEqual({ version: 4, value: 0x0a010203n });
    expect(parseIp("::ffff:a01:203")).toEqual({ version: 4, value: 0x0a010203n });
  });

  it("rejects malformed IPv6", () => {
    for (const bad of ["1::2::3", "12345::", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "g::1", ":::"])
      expect(parseIp(bad), bad).toBeUndefined();
    expect(parseIp("1:2:3:4:5:6:7::8")).toBeUndefined(); // "::" must stand for at least one group
  });
});

describe("parseCidr", () => {
  it("clears host bits and keeps the prefix", () => {
    expect(parseCidr("10.1.2.3/16")).toEqual({ version: 4, network: 0x0a010000n, prefix: 16 });
    expect(parseCidr("10.1.2.3")).toEqual({ version: 4, network: 0x0a010203n, prefix: 32 });
    expect(parseCidr("0.0.0.0/0")).toEqual({ version: 4, network: 0n, prefix: 0 });
    expect(parseCidr("2001:db8::/32")).toEqual({
      version: 6,
      network: 0x20010db8n << 96n,
      prefix: 32,
    });
  });

  it("rejects bad prefixes and addresses", () => {
    for (const bad of ["10.0.0.0/33", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/a", "::/129", "x/8"])
      expect(parseCidr(bad), bad).toBeUndefined();
  });
});

describe("cidrContains", () => {
  it("matches IPv4 by prefix", () => {
    expect(contains("10.1.0.0/16", "10.1.255.254")).toBe(true);
    expect(contains("10.1.0.0/16", "10.2.0.1")).toBe(false);
    expect(contains("0.0.0.0/0", "203.0.113.9")).toBe(true);
    expect(contains("192.168.1.7/32", "192.168.1.7")).toBe(true);
    expect(contains("192.168.1.7/32", "192.168.1.8")).toBe(false);
    expect(contains("10.0.0.0/9", "10.127.0.1")).toBe(true);
    expect(contains("10.0.0.0/9", "10.128.0.1")).toBe(false);
  });

  it("matches IPv6 by prefix", () => {
    expect(contains("2001:db8::/32", "2001:db8:ffff::1")).toBe(true);
    expect(contains("2001:db8::/32", "2001:db9::1")).toBe(false);
    expect(contains("::/0", "fe80::1")).toBe(true);
  });

  it("never matches across families, except IPv4 inside an IPv4-mapped network", () => {
    expect(contains("10.0.0.0/8", "2001:db8::1")).toBe(false);
    expect(contains("2001:db8::/32", "10.0.0.1")).toBe(false);
    expect(contains("::ffff:10.0.0.0/104", "10.9.8.7")).toBe(true);
    expect(contains("::ffff:10.0.0.0/104", "11.9.8.7")).toBe(false);
    expect(contains("10.0.0.0/8", "::ffff:10.9.8.7")).toBe(true);
  });
});
