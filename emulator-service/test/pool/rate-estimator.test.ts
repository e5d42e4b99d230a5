import { describe, expect, it } from "vitest";
import {
  NO_ARRIVALS,
  RATE_TAU_MS,
  type RateEstimate,
  rateAt,
  recordArrival,
  updateMean,
} from "../../src/pool/rate.js";

/** Feeds arrivals at the given times (ms) into a fresh estimate. */
function feed(times: number[], tauMs = RATE_TAU_MS): RateEstimate {
  return times.reduce((estimate, t) => recordArrival(estimate, t, tauMs), NO_ARRIVALS);
}

const every = (intervalMs: number, count: number, fromMs = 0) =>
  Array.from({ length: count }, (_, i) => fromMs + i * intervalMs);

describe("arrival rate (EWMA)", () => {
  it("is zero before any arrival, whatever the time", () => {
    expect(rateAt(NO_ARRIVALS, 0)).toBe(0);
    expect(rateAt(NO_ARRIVALS, 1e9)).toBe(0);
  });

  it("one arrival reads 1/τ per second at once", () => {
    expect(rateAt(feed([1000]), 1000)).toBeCloseTo(1000 / RATE_TAU_MS, 10);
  });

  it("a burst of n simultaneous arrivals reads n/τ", () => {
    const burst = feed(Array(50).fill(10_000));
    expect(rateAt(burst, 10_000)).toBeCloseTo((50 * 1000) / RATE_TAU_MS, 10);
  });

  it("converges to the true rate for regular arrivals (within the EWMA's 1/(2τ) bias)", () => {
    for (const perS of [0.5, 2, 10, 40]) {
      const interval = 1000 / perS;
      const estimate = feed(every(interval, Math.ceil(perS * 60)));
      const read = rateAt(estimate, estimate.atMs ?? 0);
      expect(read).toBeGreaterThan(perS * 0.95);
      expect(read).toBeLessThan(perS + 1000 / RATE_TAU_MS);
    }
  });

  it("stays stable under a steady rate (no drift from one arrival to the next)", () => {
    const estimate = feed(every(250, 400));
    const t = estimate.atMs ?? 0;
    const next = recordArrival(estimate, t + 250);
    // just before and just after an arrival: the sawtooth is 1/τ high, it does not grow
    expect(rateAt(next, t + 250) - rateAt(estimate, t)).toBeCloseTo(0, 6);
  });

  it("decays by e^(−Δt/τ) with no arrivals", () => {
    const estimate = feed(every(100, 100));
    const t = estimate.atMs ?? 0;
    const r0 = rateAt(estimate, t);
    expect(rateAt(estimate, t + RATE_TAU_MS)).toBeCloseTo(r0 / Math.E, 10);
    expect(rateAt(estimate, t + 10 * RATE_TAU_MS)).toBeLessThan(r0 * 1e-4);
  });

  it("follows a step up and a step down", () => {
    const slow = feed(every(1000, 30));
    const fast = every(100, 50, 30_000).reduce((e, t) => recordArrival(e, t), slow);
    expect(rateAt(fast, 35_000)).toBeGreaterThan(5);
    expect(rateAt(fast, 50_000)).toBeLessThan(0.5);
  });

  it("reading before the last update, or an out-of-order arrival, never inflates the rate", () => {
    const estimate = feed([1000, 2000]);
    expect(rateAt(estimate, 500)).toBe(rateAt(estimate, 2000));
    const late = recordArrival(estimate, 1500);
    expect(late.atMs).toBe(2000);
    expect(rateAt(late, 2000)).toBeCloseTo(rateAt(estimate, 2000) + 1000 / RATE_TAU_MS, 10);
  });

  it("honours a custom τ", () => {
    expect(rateAt(feed([0, 0], 1000), 0)).toBe(2);
  });
});

describe("mean preparation time (EWMA)", () => {
  it("takes the first sample as it is", () => {
    expect(updateMean(undefined, 180)).toBe(180);
  });

  it("moves a fifth of the way to each new sample", () => {
    expect(updateMean(100, 200)).toBeCloseTo(120, 10);
  });

  it("converges to a steady sample and follows a change", () => {
    let mean: number | undefined;
    for (let i = 0; i < 50; i++) mean = updateMean(mean, 150);
    expect(mean).toBeCloseTo(150, 6);
    for (let i = 0; i < 30; i++) mean = updateMean(mean, 600);
    expect(mean).toBeGreaterThan(595);
  });

  it("ignores negative and non-finite samples", () => {
    expect(updateMean(100, -5)).toBe(100);
    expect(updateMean(100, Number.NaN)).toBe(100);
    expect(updateMean(undefined, Number.POSITIVE_INFINITY)).toBeUndefined();
  });
});
