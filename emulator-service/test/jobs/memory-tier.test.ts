import { describe, expect, it } from "vitest";
import { MIN_MEMORY_TIER_MIB, memoryTierMiB } from "../../src/jobs/memory-tier.js";

describe("memoryTierMiB", () => {
  it("rounds a request up to the next power-of-two tier from 128 MiB", () => {
    expect(MIN_MEMORY_TIER_MIB).toBe(128);
    const tiers = [96, 128, 129, 200, 256, 257, 500, 512, 700, 1024].map((m) =>
      memoryTierMiB(m, 1024),
    );
    expect(tiers).toEqual([128, 128, 256, 256, 256, 512, 512, 512, 1024, 1024]);
  });

  it("any number of distinct requests up to 1024 MiB make at most four sizes", () => {
    const sizes = new Set<number>();
    for (let m = 96; m <= 1024; m++) sizes.add(memoryTierMiB(m, 1024));
    expect([...sizes].sort((a, b) => a - b)).toEqual([128, 256, 512, 1024]);
  });

  it("never goes above the host's maximum, nor below the request", () => {
    expect(memoryTierMiB(900, 1000)).toBe(1000);
    expect(memoryTierMiB(1000, 1000)).toBe(1000);
    expect(memoryTierMiB(1500, 2048)).toBe(2048);
  });
});
