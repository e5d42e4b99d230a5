import { describe, expect, it } from "vitest";
import {
  DEFAULT_PREP_MS,
  decide,
  demandWarm,
  type ScalingDecision,
  type ScalingInput,
  type ScalingLimits,
} from "../../src/pool/autoscaler.js";
import { NO_ARRIVALS, type RateEstimate, rateAt, recordArrival } from "../../src/pool/rate.js";

const LIMITS: ScalingLimits = { min: 0, max: 12, prewarm: 2, minSpawned: 0, idleToZeroMs: 60_000 };
const PLENTY_MIB = 1_000_000;

function input(overrides: Partial<ScalingInput> = {}): ScalingInput {
  return {
    nowMs: 10_000,
    ratePerS: 0,
    lastArrivalMs: undefined,
    sinceMs: 0,
    prepMs: 200,
    pool: { warm: 0, spawned: 0, filling: 0 },
    current: { warm: 0, spawned: 0 },
    limits: LIMITS,
    vmMemoryMiB: 128,
    freeMemoryMiB: PLENTY_MIB,
    ...overrides,
  };
}

/** Drives the policy through arrivals at `times` (ms), deciding after each one. */
function simulate(times: number[], base: Partial<ScalingInput> = {}) {
  let rate: RateEstimate = NO_ARRIVALS;
  const decisions: ScalingDecision[] = [];
  for (const t of times) {
    rate = recordArrival(rate, t);
    decisions.push(
      decide(input({ ...base, nowMs: t, ratePerS: rateAt(rate, t), lastArrivalMs: t })),
    );
  }
  return { decisions, rate, last: times.at(-1) ?? 0 };
}

describe("demandWarm (Little's law with headroom)", () => {
  it("is ceil(rate × prep s × 1.5) + 1", () => {
    expect(demandWarm(0, 200)).toBe(1);
    expect(demandWarm(1, 200)).toBe(2); // 0.3 → 1, + 1
    expect(demandWarm(10, 200)).toBe(4); // 3 → 3, + 1
    expect(demandWarm(10, 1000)).toBe(16); // 15 → 15, + 1
    expect(demandWarm(20, 250)).toBe(9); // 7.5 → 8, + 1
  });

  it("does not pay a VM for float noise", () => {
    // (0.1 + 0.2) × 6.667 s × 1.5 is 3.000000000000001 in floating point: 3, not 4, + 1
    expect(demandWarm(0.1 + 0.2, 20_000 / 3)).toBe(4);
  });

  it("treats negative inputs as zero", () => {
    expect(demandWarm(-5, 200)).toBe(1);
    expect(demandWarm(5, -200)).toBe(1);
  });
});

describe("decide", () => {
  it("prewarms before the first job, until idleToZeroMs after start", () => {
    expect(decide(input({ nowMs: 0 }))).toEqual({ warm: 2, spawned: 0, reason: "prewarm" });
    expect(decide(input({ nowMs: 59_999 }))).toEqual({ warm: 2, spawned: 0, reason: "prewarm" });
    expect(decide(input({ nowMs: 60_000 }))).toEqual({ warm: 0, spawned: 0, reason: "idle" });
  });

  it("a burst grows the pool, up to max", () => {
    const burst = Array(50).fill(5_000) as number[];
    const { decisions } = simulate(burst);
    const warm = decisions.map((d) => d.warm);
    // never shrinks while the burst arrives, and ends well above the prewarm
    for (let i = 1; i < warm.length; i++) expect(warm[i]).toBeGreaterThanOrEqual(warm[i - 1] ?? 0);
    expect(warm[0]).toBe(2);
    // 50 arrivals read 10/s; × 0.2 s × 1.5 = 3 → 4 warm
    expect(decisions.at(-1)).toEqual({ warm: 4, spawned: 4, reason: "demand" });
    // the same burst with slow preparations (1 s, a loaded host) hits max
    const slow = simulate(burst, { prepMs: 1000 });
    expect(slow.decisions.at(-1)).toEqual({ warm: 12, spawned: 12, reason: "max" });
  });

  it("is stable under a steady rate", () => {
    // 5 jobs/s for 60 s
    const times = Array.from({ length: 300 }, (_, i) => i * 200);
    const { decisions } = simulate(times, { prepMs: 400 });
    const settled = decisions.slice(100).map((d) => `${d.warm}/${d.spawned}/${d.reason}`);
    // 5.1/s × 0.4 s × 1.5 = 3.06 → 4, + 1; just after an arrival the estimate is highest, so no lag
    expect(new Set(settled)).toEqual(new Set(["5/5/demand"]));
  });

  it("shrinks as the rate decays, then to zero after idleToZeroMs without a job", () => {
    const { rate, last } = simulate(Array(40).fill(1_000) as number[], { prepMs: 500 });
    const at = (t: number, current = { warm: 0, spawned: 0 }) =>
      decide(
        input({ nowMs: t, ratePerS: rateAt(rate, t), lastArrivalMs: last, prepMs: 500, current }),
      );
    expect(at(1_000).warm).toBe(7); // 40 at once read 8/s; × 0.5 s × 1.5 = 6, + 1
    expect(at(11_000).warm).toBeLessThan(at(1_000).warm);
    // shrinking from a target of 7 lags one VM behind the demand
    expect(at(11_000, { warm: 7, spawned: 7 }).warm).toBe(at(11_000).warm + 1);
    // any rate left rounds up to one VM, plus the extra one, until the pool is idle
    expect(at(30_000)).toEqual({ warm: 2, spawned: 2, reason: "demand" });
    expect(at(60_999)).toEqual({ warm: 2, spawned: 2, reason: "demand" });
    expect(at(61_000, { warm: 7, spawned: 7 })).toEqual({ warm: 0, spawned: 0, reason: "idle" });
  });

  it("does not flap when the demand wobbles by one VM around the target", () => {
    // rate × 0.2 s × 1.5 = 3 ± a little: a demand of 4 or 5 in turn
    const current = { warm: 5, spawned: 5 };
    for (const ratePerS of [10.1, 9.9, 10.2, 9.8]) {
      expect(decide(input({ ratePerS, lastArrivalMs: 9_000, current })).warm).toBe(5);
    }
    // a real drop still shrinks, to one above the demand (2)
    expect(decide(input({ ratePerS: 2, lastArrivalMs: 9_000, current })).warm).toBe(3);
    // growth is never delayed: 20/s → 6 + 1
    expect(decide(input({ ratePerS: 20, lastArrivalMs: 9_000, current })).warm).toBe(7);
  });

  it("a wobbling steady stream keeps one target from one arrival to the next", () => {
    // arrivals alternately 150 and 250 ms apart (5/s), slow preparations
    const times: number[] = [];
    for (let t = 0, i = 0; t < 60_000; t += i++ % 2 ? 150 : 250) times.push(t);
    const { decisions } = simulate(times, { prepMs: 900 });
    const settled = decisions.slice(150).map((d) => d.warm);
    expect(new Set(settled).size).toBe(1);
  });

  it("keeps min when idle, and minSpawned pre-spawned clones", () => {
    const limits = { ...LIMITS, min: 2, minSpawned: 3 };
    expect(decide(input({ limits, nowMs: 100_000, lastArrivalMs: 1_000 }))).toEqual({
      warm: 2,
      spawned: 3,
      reason: "min",
    });
  });

  it("min lifts a small demand; spawned follows the warm target while active", () => {
    const limits = { ...LIMITS, min: 3 };
    expect(decide(input({ limits, ratePerS: 0.1, lastArrivalMs: 9_000 }))).toEqual({
      warm: 3,
      spawned: 3,
      reason: "min",
    });
  });

  it("max caps demand", () => {
    const limits = { ...LIMITS, max: 3 };
    expect(decide(input({ limits, ratePerS: 50, lastArrivalMs: 9_000 }))).toEqual({
      warm: 3,
      spawned: 3,
      reason: "max",
    });
  });

  it("max 0 keeps no warm VM, whatever the demand, but honours minSpawned", () => {
    const limits = { ...LIMITS, max: 0, prewarm: 0, minSpawned: 2 };
    expect(decide(input({ limits, ratePerS: 50, lastArrivalMs: 9_000 }))).toEqual({
      warm: 0,
      spawned: 2,
      reason: "max",
    });
  });

  it("never goes over the memory budget: spawned is cut first, then warm", () => {
    const busy = input({ ratePerS: 20, lastArrivalMs: 9_000, prepMs: 500 }); // 16 → max 12
    expect(decide(busy)).toEqual({ warm: 12, spawned: 12, reason: "max" });
    // room for 15 VMs of 128 MiB: 12 warm, 3 spawned
    expect(decide({ ...busy, freeMemoryMiB: 15 * 128 + 100 })).toEqual({
      warm: 12,
      spawned: 3,
      reason: "max",
    });
    // room for 5: warm cut too
    expect(decide({ ...busy, freeMemoryMiB: 5 * 128 })).toEqual({
      warm: 5,
      spawned: 0,
      reason: "memory",
    });
    // the VMs the pool holds are its own: 4 held + room for 1 more
    expect(
      decide({ ...busy, freeMemoryMiB: 128, pool: { warm: 2, spawned: 1, filling: 1 } }),
    ).toEqual({ warm: 5, spawned: 0, reason: "memory" });
    expect(decide({ ...busy, freeMemoryMiB: -500 })).toEqual({
      warm: 0,
      spawned: 0,
      reason: "memory",
    });
  });

  it("the memory budget wins over min", () => {
    const limits = { ...LIMITS, min: 4, minSpawned: 4 };
    expect(decide(input({ limits, freeMemoryMiB: 3 * 256, vmMemoryMiB: 256 }))).toEqual({
      warm: 3,
      spawned: 0,
      reason: "memory",
    });
  });

  it("assumes DEFAULT_PREP_MS before the first fill is measured", () => {
    const d = decide(input({ ratePerS: 8, lastArrivalMs: 9_000, prepMs: undefined }));
    expect(d.warm).toBe(demandWarm(8, DEFAULT_PREP_MS));
  });

  it("a longer preparation time asks for more warm VMs", () => {
    const at = (prepMs: number) =>
      decide(input({ ratePerS: 4, lastArrivalMs: 9_000, prepMs })).warm;
    expect(at(100)).toBeLessThan(at(500));
    expect(at(500)).toBeLessThan(at(1500));
  });

  it("is pure: the same input gives the same decision and is not modified", () => {
    const i = input({ ratePerS: 3, lastArrivalMs: 9_500 });
    const copy = structuredClone(i);
    expect(decide(i)).toEqual(decide(i));
    expect(i).toEqual(copy);
  });
});
