/**
 * Pure logic of the open-loop load benchmark (`edgevm bench --load`): the seeded arrival schedule
 * (a Poisson process per step), step parsing, per-step statistics and the recovery after a step up.
 */
import { percentile } from "./stats.js";

/** One step of the offered load: `rate` jobs/s for `seconds`. */
export interface Step {
  rate: number;
  seconds: number;
}

export const DEFAULT_STEPS = "1:15,10:15,30:15,5:15";

/** Pure: `rate:seconds,…` (e.g. `1:15,10:15,30:15,5:15`) into steps; throws on anything else. */
export function parseSteps(text: string): Step[] {
  const steps = text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((part) => {
      const match = /^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/.exec(part);
      const rate = Number(match?.[1]);
      const seconds = Number(match?.[2]);
      if (!match || !(rate > 0) || !(seconds > 0))
        throw new Error(`bad step ${JSON.stringify(part)}: want rate:seconds, both > 0`);
      return { rate, seconds };
    });
  if (!steps.length) throw new Error("no steps: want e.g. --steps 1:15,10:15,30:15,5:15");
  return steps;
}

/** Pure: start of each step and the end of the run, ms from the start of the run. */
export function stepBounds(steps: readonly Step[]): { startMs: number; endMs: number }[] {
  let t = 0;
  return steps.map((s) => {
    const startMs = t;
    t += s.seconds * 1000;
    return { startMs, endMs: t };
  });
}

/** Pure: mulberry32, a small seeded PRNG returning values in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Pure: one exponential inter-arrival time (s) for `rate` per second from a uniform in [0, 1). */
export function exponential(uniform: number, rate: number): number {
  return -Math.log1p(-uniform) / rate;
}

export interface Arrival {
  /** when the job is due, ms from the start of the run */
  atMs: number;
  /** index into the steps */
  step: number;
}

/**
 * Pure: the arrival times of a Poisson process that runs at each step's rate for its length.
 * The process is memoryless, so it restarts at each step boundary without bias.
 */
export function arrivalSchedule(steps: readonly Step[], seed: number): Arrival[] {
  const rng = mulberry32(seed);
  const out: Arrival[] = [];
  stepBounds(steps).forEach((b, step) => {
    const rate = steps[step]?.rate ?? 1;
    let t = b.startMs + exponential(rng(), rate) * 1000;
    while (t < b.endMs) {
      out.push({ atMs: t, step });
      t += exponential(rng(), rate) * 1000;
    }
  });
  return out;
}

/** refused = HTTP 429/503; error = any other failure to get an answer; lost = no answer in time */
export type Outcome = "succeeded" | "failed" | "refused" | "error" | "lost";

export interface JobRecord {
  step: number;
  /** when the job was fired, ms from the start of the run */
  arrivalMs: number;
  /** until the answer (any outcome but lost) */
  latencyMs?: number;
  outcome: Outcome;
  start?: string;
  detail?: string;
}

export interface StepStats {
  step: number;
  offeredRate: number;
  arrivals: number;
  /** arrivals per second actually drawn (the Poisson process's sample of the offered rate) */
  arrivedRate: number;
  /** succeeded jobs that finished inside the step's window, per second */
  completedRate: number;
  succeeded: number;
  p50Ms: number;
  p99Ms: number;
  /** p99 of the step's second half, once the pool has had time to adapt */
  steadyP99Ms: number;
  refused: number;
  failed: number;
  errors: number;
  lost: number;
  /** only for a step up: the threshold (2× the previous step's steady p99) and the recovery */
  recovery?: Recovery;
}

export interface Recovery {
  thresholdMs: number;
  /** s from the step's start until every later window's p99 is under the threshold; null: never */
  seconds: number | null;
}

export interface WindowP99 {
  /** window start, ms from the start of the run */
  startMs: number;
  p99Ms: number;
  n: number;
}

/** A job's latency for the rolling p99: unanswered or refused jobs count as infinitely slow. */
function effectiveLatency(job: JobRecord): number {
  if (job.outcome === "succeeded" || job.outcome === "failed")
    return job.latencyMs ?? Number.POSITIVE_INFINITY;
  return Number.POSITIVE_INFINITY;
}

/**
 * Pure: p99 per window of `windowMs` over [fromMs, toMs), jobs grouped by arrival time; windows
 * without arrivals are left out. Refused, lost and errored jobs count as infinitely slow.
 */
export function rollingP99(
  jobs: readonly JobRecord[],
  fromMs: number,
  toMs: number,
  windowMs: number,
): WindowP99[] {
  const out: WindowP99[] = [];
  for (let start = fromMs; start < toMs; start += windowMs) {
    const end = Math.min(start + windowMs, toMs);
    const values = jobs
      .filter((j) => j.arrivalMs >= start && j.arrivalMs < end)
      .map(effectiveLatency);
    if (values.length)
      out.push({ startMs: start, p99Ms: percentile(values, 99), n: values.length });
  }
  return out;
}

/**
 * Pure: seconds from `fromMs` until the windowed p99 is under `thresholdMs` and stays there (the
 * start of the first window of the final run of windows under it); null when the last window is
 * still over, or there are none.
 */
export function recoverySeconds(
  windows: readonly WindowP99[],
  fromMs: number,
  thresholdMs: number,
): number | null {
  let recoveredAt: number | null = null;
  for (const w of windows) {
    if (w.p99Ms < thresholdMs) recoveredAt ??= w.startMs;
    else recoveredAt = null;
  }
  return recoveredAt === null ? null : (recoveredAt - fromMs) / 1000;
}

const latencies = (jobs: readonly JobRecord[]) =>
  jobs.filter((j) => j.outcome === "succeeded").map((j) => j.latencyMs ?? Number.NaN);

/** Pure: the statistics of each step; recovery over windows of `windowMs` after each step up. */
export function stepStatistics(
  steps: readonly Step[],
  jobs: readonly JobRecord[],
  windowMs = 1000,
): StepStats[] {
  const bounds = stepBounds(steps);
  const stats: StepStats[] = [];
  steps.forEach((s, i) => {
    const b = bounds[i] ?? { startMs: 0, endMs: 0 };
    const mine = jobs.filter((j) => j.step === i);
    const count = (o: Outcome) => mine.filter((j) => j.outcome === o).length;
    const half = b.startMs + (b.endMs - b.startMs) / 2;
    const secondHalf = latencies(mine.filter((j) => j.arrivalMs >= half));
    const all = latencies(mine);
    const completed = jobs.filter((j) => {
      if (j.outcome !== "succeeded" || j.latencyMs === undefined) return false;
      const done = j.arrivalMs + j.latencyMs;
      return done >= b.startMs && done < b.endMs;
    }).length;
    const row: StepStats = {
      step: i,
      offeredRate: s.rate,
      arrivals: mine.length,
      arrivedRate: mine.length / s.seconds,
      completedRate: completed / s.seconds,
      succeeded: count("succeeded"),
      p50Ms: percentile(all, 50),
      p99Ms: percentile(all, 99),
      steadyP99Ms: secondHalf.length >= 3 ? percentile(secondHalf, 99) : percentile(all, 99),
      refused: count("refused"),
      failed: count("failed"),
      errors: count("error"),
      lost: count("lost"),
    };
    const previous = stats[i - 1];
    if (previous && s.rate > previous.offeredRate && Number.isFinite(previous.steadyP99Ms)) {
      const thresholdMs = 2 * previous.steadyP99Ms;
      const windows = rollingP99(mine, b.startMs, b.endMs, windowMs);
      row.recovery = { thresholdMs, seconds: recoverySeconds(windows, b.startMs, thresholdMs) };
    }
    stats.push(row);
  });
  return stats;
}

/**
 * Pure: the host's observed capacity, jobs/s: the highest completed rate of any step that was
 * loaded past it (whose queue backed up: completed below 90% of arrivals); undefined when no step
 * reached capacity, so every step was under it.
 */
export function capacityEstimate(stats: readonly StepStats[]): number | undefined {
  const saturated = stats.filter((s) => s.completedRate < 0.9 * s.arrivedRate);
  if (!saturated.length) return undefined;
  return Math.max(...stats.map((s) => s.completedRate));
}
