import { describe, expect, it } from "vitest";
import { parseHostTiming, parseKernelHz } from "../../src/vm/host-timing.js";

const CPUINFO = `processor\t: 0
vendor_id\t: GenuineIntel
cpu family\t: 6
model name\t: Intel(R) Xeon(R) CPU @ 2.60GHz
cpu MHz\t\t: 2596.120
cache size\t: 36608 KB

processor\t: 1
cpu MHz\t\t: 2400.000
`;

describe("parseHostTiming", () => {
  it("reads the first cpu MHz line as kHz and derives lpj for HZ=250", () => {
    expect(parseHostTiming(CPUINFO, 250)).toEqual({ tscKhz: 2596120, lpj: 10384480 });
  });

  it("derives lpj from the kernel HZ", () => {
    expect(parseHostTiming(CPUINFO, 1000)).toEqual({ tscKhz: 2596120, lpj: 2596120 });
    expect(parseHostTiming(CPUINFO, 100).lpj).toBe(25961200);
  });

  it("accepts a line without decimals and rounds fractional kHz", () => {
    expect(parseHostTiming("cpu MHz : 3000\n", 250)).toEqual({ tscKhz: 3000000, lpj: 12000000 });
    expect(parseHostTiming("cpu MHz : 1999.9996\n", 250).tscKhz).toBe(2000000);
  });

  it("returns undefined for both when there is no cpu MHz line", () => {
    expect(parseHostTiming("processor : 0\nBogoMIPS : 50.00\n", 250)).toEqual({
      tscKhz: undefined,
      lpj: undefined,
    });
    expect(parseHostTiming("", 250)).toEqual({ tscKhz: undefined, lpj: undefined });
  });

  it("returns undefined for a zero frequency", () => {
    expect(parseHostTiming("cpu MHz : 0.000\n", 250)).toEqual({
      tscKhz: undefined,
      lpj: undefined,
    });
  });

  it("only matches cpu MHz at the start of a line", () => {
    expect(parseHostTiming("flags : cpu MHz : 1234\n", 250).tscKhz).toBeUndefined();
  });
});

describe("parseKernelHz", () => {
  it("reads CONFIG_HZ", () => {
    const config = "# comment\nCONFIG_HZ_250=y\nCONFIG_HZ=250\nCONFIG_SCHED_HRTICK=y\n";
    expect(parseKernelHz(config)).toBe(250);
    expect(parseKernelHz("CONFIG_HZ=1000\n")).toBe(1000);
  });

  it("does not confuse CONFIG_HZ_<n>=y or CONFIG_HZ_PERIODIC with CONFIG_HZ", () => {
    expect(parseKernelHz("CONFIG_HZ_PERIODIC=y\nCONFIG_HZ_100=y\nCONFIG_HZ=100\n")).toBe(100);
  });

  it("falls back to 250 when CONFIG_HZ is missing", () => {
    expect(parseKernelHz("")).toBe(250);
    expect(parseKernelHz("CONFIG_HZ_1000=y\n# CONFIG_HZ is not set\n")).toBe(250);
  });
});
