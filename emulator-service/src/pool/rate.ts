/**
 * Pure estimators the autoscaler feeds on: an arrival rate from event timestamps and a mean
 * duration from samples. Both are values; every update returns a new one.
 */

/**
 * Time constant of the arrival-rate EWMA, ms: long enough that one job's jitter does not move the
 * pool, short enough that a burst shows within a second or two.
 */
export const RATE_TAU_MS = 5_000;

/** Weight of a new sample in the preparation-time mean: about the last ten fills count. */
export const PREP_ALPHA = 0.2;

/**
 * Arrivals per second as an exponentially decayed count: each arrival adds 1/τ, and the sum decays
 * by e^(−Δt/τ). For arrivals every Δ ms it settles at ≈ 1000/Δ per second (exactly
 * (1/τ)/(1 − e^(−Δ/τ))); a burst of n arrivals at once reads n/τ.
 */
export interface RateEstimate {
  /** jobs/s as of `atMs` */
  readonly perS: number;
  /** time of the last update, ms (any monotonic clock); undefined before the first arrival */
  readonly atMs: number | undefined;
}

export const NO_ARRIVALS: RateEstimate = { perS: 0, atMs: undefined };

/** The estimate decayed to `nowMs` (a time before the last update reads as the last update). */
export function rateAt(estimate: RateEstimate, nowMs: number, tauMs = RATE_TAU_MS): number {
  if (estimate.atMs === undefined) return 0;
  const elapsed = Math.max(0, nowMs - estimate.atMs);
  return estimate.perS * Math.exp(-elapsed / tauMs);
}

/** The estimate after one arrival at `nowMs`. */
export function recordArrival(
  estimate: RateEstimate,
  nowMs: number,
  tauMs = RATE_TAU_MS,
): RateEstimate {
  const atMs = Math.max(nowMs, estimate.atMs ?? nowMs);
  return { perS: rateAt(estimate, atMs, tauMs) + 1000 / tauMs, atMs };
}

/** A running mean that weights recent samples more (an EWMA); undefined before the first sample. */
export function updateMean(
  mean: number | undefined,
  sample: number,
  alpha = PREP_ALPHA,
): number | undefined {
  if (!Number.isFinite(sample) || sample < 0) return mean;
  return mean === undefined ? sample : mean + alpha * (sample - mean);
}
