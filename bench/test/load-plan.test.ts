import { describe, expect, it } from "vitest";
import {
  arrivalSchedule,
  capacityEstimate,
  DEFAULT_STEPS,
  exponential,
  type JobRecord,
  mulberry32,
  parseSteps,
  recoverySeconds,
  rollingP99,
  type StepStats,
  stepBounds,
  stepStatistics,
} from "../src/load-plan.js";

describe("mulberry32", () => {
  it("is deterministic for a seed and differs between seeds", () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const xs = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c())).not.toEqual(xs);
  });

  it("stays in [0, 1) with a mean near 0.5", () => {
    const r = mulberry32(7);
    let sum = 0;
    let min = 1;
    let max = 0;
    for (let i = 0; i < 100_000; i++) {
      const v = r();
      min = Math.min(min, v);
      max = Math.max(max, v);
      sum += v;
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    expect(sum / 100_000).toBeCloseTo(0.5, 2);
  });
});

describe("exponential", () => {
  it("has mean 1/rate over many samples", () => {
    const r = mulberry32(1);
    const n = 200_000;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += exponential(r(), 10);
    expect(Math.abs(sum / n - 0.1) / 0.1).toBeLessThan(0.01);
  });

  it("is 0 at u = 0 and finite just below 1", () => {
    expect(exponential(0, 5)).toBe(0);
    expect(Number.isFinite(exponential(1 - 2 ** -32, 5))).toBe(true);
  });
});

describe("arrivalSchedule", () => {
  it("is deterministic with a seed", () => {
    const steps = parseSteps("5:10,20:5");
    expect(arrivalSchedule(steps, 3)).toEqual(arrivalSchedule(steps, 3));
    expect(arrivalSchedule(steps, 3)).not.toEqual(arrivalSchedule(steps, 4));
  });

  it("offers each step's mean rate within tolerance over a long run", () => {
    const steps = parseSteps("2:2000,30:500");
    const arrivals = arrivalSchedule(steps, 11);
    const n0 = arrivals.filter((a) => a.step === 0).length;
    const n1 = arrivals.filter((a) => a.step === 1).length;
    expect(Math.abs(n0 / 2000 - 2) / 2).toBeLessThan(0.05);
    expect(Math.abs(n1 / 500 - 30) / 30).toBeLessThan(0.03);
  });

  it("keeps arrivals sorted and inside their step", () => {
    const steps = parseSteps(DEFAULT_STEPS);
    const bounds = stepBounds(steps);
    const arrivals = arrivalSchedule(steps, 1);
    arrivals.forEach((a, i) => {
      const b = bounds[a.step];
      expect(b).toBeDefined();
      expect(a.atMs).toBeGreaterThanOrEqual(b?.startMs ?? Number.NaN);
      expect(a.atMs).toBeLessThan(b?.endMs ?? Number.NaN);
      if (i > 0) expect(a.atMs).toBeGreaterThanOrEqual(arrivals[i - 1]?.atMs ?? 0);
    });
  });

  it("has exponential gaps: their coefficient of variation is about 1", () => {
    const arrivals = arrivalSchedule([{ rate: 10, seconds: 5000 }], 5);
    const gaps = arrivals.slice(1).map((a, i) => a.atMs - (arrivals[i]?.atMs ?? 0));
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    const sd = Math.sqrt(gaps.reduce((a, b) => a + (b - mean) ** 2, 0) / gaps.length);
    expect(mean).toBeCloseTo(100, -1);
    expect(sd / mean).toBeGreaterThan(0.95);
    expect(sd / mean).toBeLessThan(1.05);
  });
});

describe("parseSteps", () => {
  it("parses rate:seconds lists", () => {
    expect(parseSteps("1:15,10:15,30:15,5:15")).toEqual([
      { rate: 1, seconds: 15 },
      { rate: 10, seconds: 15 },
      { rate: 30, seconds: 15 },
      { rate: 5, seconds: 15 },
    ]);
    expect(parseSteps(" 0.5:2 , 3:1.5 ")).toEqual([
      { rate: 0.5, seconds: 2 },
      { rate: 3, seconds: 1.5 },
    ]);
  });

  it.each(["", "10", "10:", ":5", "0:5", "5:0", "a:b", "1:2:3", "-1:5"])("rejects %j", (text) => {
    expect(() => parseSteps(text)).toThrow();
  });

  it("gives step bounds in ms", () => {
    expect(stepBounds(parseSteps("1:2,3:4"))).toEqual([
      { startMs: 0, endMs: 2000 },
      { startMs: 2000, endMs: 6000 },
    ]);
  });
});

const job = (
  step: number,
  arrivalMs: number,
  latencyMs: number,
  outcome: JobRecord["outcome"] = "succeeded",
): JobRecord => ({
  step,
  arrivalMs,
  latencyMs,
  outcome,
});

describe("rollingP99 and recoverySeconds", () => {
  it("groups jobs by arrival into windows, skipping empty ones", () => {
    const jobs = [job(0, 100, 10), job(0, 900, 30), job(0, 2500, 50)];
    expect(rollingP99(jobs, 0, 3000, 1000)).toEqual([
      { startMs: 0, p99Ms: 30, n: 2 },
      { startMs: 2000, p99Ms: 50, n: 1 },
    ]);
  });

  it("counts refused and lost jobs as infinitely slow", () => {
    const jobs = [
      job(0, 100, 5, "refused"),
      job(0, 200, 10),
      { step: 0, arrivalMs: 300, outcome: "lost" as const },
    ];
    expect(rollingP99(jobs, 0, 1000, 1000)[0]?.p99Ms).toBe(Number.POSITIVE_INFINITY);
  });

  it("recovers at the start of the last run of windows under the threshold", () => {
    const w = (startMs: number, p99Ms: number) => ({ startMs, p99Ms, n: 1 });
    const windows = [w(10_000, 500), w(11_000, 90), w(12_000, 300), w(13_000, 80), w(14_000, 70)];
    expect(recoverySeconds(windows, 10_000, 100)).toBe(3);
    expect(recoverySeconds(windows.slice(0, 3), 10_000, 100)).toBeNull();
    expect(recoverySeconds([w(10_000, 50)], 10_000, 100)).toBe(0);
    expect(recoverySeconds([], 10_000, 100)).toBeNull();
  });
});

describe("stepStatistics", () => {
  const steps = parseSteps("1:10,10:10");
  // step 1: 10 jobs at 20 ms; step 2: slow for its first 3 s, then back to 25 ms
  const jobs: JobRecord[] = [
    ...Array.from({ length: 10 }, (_, i) => job(0, i * 1000 + 100, 20)),
    ...Array.from({ length: 100 }, (_, i) => {
      const t = 10_000 + i * 100;
      return job(1, t, t < 13_000 ? 400 : 25);
    }),
    job(1, 19_500, 3, "refused"),
    { step: 1, arrivalMs: 19_600, outcome: "lost" },
    job(1, 19_700, 15, "failed"),
  ];
  const stats = stepStatistics(steps, jobs);

  it("counts outcomes and rates per step", () => {
    expect(stats[0]).toMatchObject({
      offeredRate: 1,
      arrivals: 10,
      succeeded: 10,
      refused: 0,
      lost: 0,
    });
    expect(stats[0]?.p50Ms).toBe(20);
    expect(stats[0]?.steadyP99Ms).toBe(20);
    expect(stats[0]?.recovery).toBeUndefined();
    expect(stats[1]).toMatchObject({
      arrivals: 103,
      succeeded: 100,
      refused: 1,
      lost: 1,
      failed: 1,
    });
    expect(stats[1]?.p99Ms).toBe(400);
    expect(stats[1]?.steadyP99Ms).toBe(25);
  });

  it("counts completions by when they finish", () => {
    // step 1's jobs all finish inside it: 10 in 10 s
    expect(stats[0]?.completedRate).toBe(1);
    expect(stats[1]?.completedRate).toBe(10);
  });

  it("measures recovery against 2× the previous step's steady p99", () => {
    // threshold 40 ms; windows 10–13 s are slow, 13–19 s fine, 19–20 s has a refused + lost job
    expect(stats[1]?.recovery?.thresholdMs).toBe(40);
    expect(stats[1]?.recovery?.seconds).toBeNull();
    const clean = stepStatistics(
      steps,
      jobs.filter((j) => j.arrivalMs < 19_500),
    );
    expect(clean[1]?.recovery?.seconds).toBe(3);
  });

  it("has no recovery for a step down", () => {
    const down = stepStatistics(parseSteps("10:1,1:1"), [job(0, 10, 5), job(1, 1500, 5)]);
    expect(down[1]?.recovery).toBeUndefined();
  });
});

describe("capacityEstimate", () => {
  const stat = (offeredRate: number, arrivedRate: number, completedRate: number) =>
    ({ offeredRate, arrivedRate, completedRate }) as StepStats;

  it("is undefined when every step kept up with its arrivals", () => {
    expect(capacityEstimate([stat(1, 0.6, 0.6), stat(10, 9.8, 9.5)])).toBeUndefined();
  });

  it("is the best completed rate once a step fell behind", () => {
    expect(capacityEstimate([stat(1, 1, 1), stat(10, 10, 5.7), stat(30, 31, 4.4)])).toBe(5.7);
  });
});
