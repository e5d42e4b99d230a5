import { poolTargets } from "./policy.js";
import type { PoolTargets } from "./types.js";

/**
 * Multiplier on Little's law (VMs taken during one preparation = rate × prep time): 50 % more
 * covers the jitter of random arrivals without holding a VM per possible job.
 */
export const HEADROOM = 1.5;
/** Warm VMs, on top of the estimate, while jobs arrive: the next job never waits for the EWMA. */
export const EXTRA_WARM = 1;
/**
 * Pre-spawned clones per warm VM while jobs arrive: each warm refill takes one, so refilling every
 * warm VM skips the QEMU start; more would only hold memory budget (~15 MiB real, full guest size
 * counted).
 */
export const SPAWNED_PER_WARM = 1;
/**
 * VMs a shrinking target stays above the demand while jobs arrive: one arrival moves the estimate
 * by about a VM, so without this lag the target flaps on every arrival and trims VMs just prepared.
 */
export const SHRINK_LAG = 1;
/**
 * Preparation time (spawn/restore + warm-up), ms, assumed until a fill is measured: restore + INIT
 * + warm-up exec on the 2-core TCG reference machine take ~150–250 ms.
 */
export const DEFAULT_PREP_MS = 250;

/** What the configuration allows one pool. */
export interface ScalingLimits {
  /** warm VMs kept even when idle */
  min: number;
  /** warm VMs never exceeded */
  max: number;
  /** warm VMs kept from start-up until the first job or idleToZeroMs */
  prewarm: number;
  /** pre-spawned clones kept even when idle */
  minSpawned: number;
  /** no acquisition for this long, ms → the pool shrinks to `min` */
  idleToZeroMs: number;
}

export interface ScalingInput {
  nowMs: number;
  /** acquisitions per second (EWMA, see rate.ts) as of nowMs */
  ratePerS: number;
  /** the last acquisition, ms; undefined when there was none since the pool was created */
  lastArrivalMs: number | undefined;
  /** when the pool was created, ms: the idle clock's start before any acquisition */
  sinceMs: number;
  /** mean time to prepare a warm VM, ms (observed fills); undefined before the first one */
  prepMs: number | undefined;
  /** the pool now */
  pool: { warm: number; spawned: number; filling: number };
  /** the targets in force (the previous decision) */
  current: PoolTargets;
  limits: ScalingLimits;
  /** guest memory of one VM of this pool, MiB (counted in full) */
  vmMemoryMiB: number;
  /** budget left for pooled VMs, MiB, not counting what this pool already holds */
  freeMemoryMiB: number;
}

/**
 * Why the targets are what they are: `demand` (Little's law), `prewarm` (start-up, no job yet),
 * `idle` (no job for idleToZeroMs), or the bound that cut them: `min`, `max`, `memory`.
 */
export type ScalingReason = "demand" | "prewarm" | "idle" | "min" | "max" | "memory";

export interface ScalingDecision extends PoolTargets {
  reason: ScalingReason;
}

/** Warm VMs that cover the arrivals during one preparation, with headroom (Little's law). */
export function demandWarm(ratePerS: number, prepMs: number): number {
  const inFlight = Math.max(0, ratePerS) * (Math.max(0, prepMs) / 1000) * HEADROOM;
  // the epsilon keeps float noise (2.0000000001) from costing a whole VM
  return Math.ceil(inFlight - 1e-9) + EXTRA_WARM;
}

/**
 * Pure: the pool's targets. While jobs arrive, warm = ceil(rate × prep s × HEADROOM) + EXTRA_WARM
 * (when that is below the current target, it shrinks only to that + SHRINK_LAG) and spawned =
 * SPAWNED_PER_WARM × warm; before the first job, `prewarm`; after idleToZeroMs without one,
 * nothing. Then clamped to [min, max] (spawned to at least minSpawned), and cut to the memory
 * budget, warm VMs kept before spawned ones.
 */
export function decide(input: ScalingInput): ScalingDecision {
  const { limits } = input;
  const idleForMs = input.nowMs - (input.lastArrivalMs ?? input.sinceMs);
  let want: number;
  let reason: ScalingReason;
  if (idleForMs >= limits.idleToZeroMs) {
    want = 0;
    reason = "idle";
  } else if (input.lastArrivalMs === undefined) {
    want = limits.prewarm;
    reason = "prewarm";
  } else {
    want = demandWarm(input.ratePerS, input.prepMs ?? DEFAULT_PREP_MS);
    if (want < input.current.warm) want = Math.min(input.current.warm, want + SHRINK_LAG);
    reason = "demand";
  }
  let warm = want;
  if (warm < limits.min) {
    warm = limits.min;
    reason = "min";
  }
  if (warm > limits.max) {
    warm = Math.max(limits.min, limits.max);
    reason = "max";
  }
  const active = want > 0 && input.lastArrivalMs !== undefined;
  const spawned = Math.max(limits.minSpawned, active ? warm * SPAWNED_PER_WARM : 0);
  const fit = poolTargets({
    configured: { warm, spawned },
    vmMemoryMiB: input.vmMemoryMiB,
    freeMemoryMiB: input.freeMemoryMiB,
    held: input.pool.warm + input.pool.spawned + input.pool.filling,
  });
  if (fit.warm < warm) reason = "memory";
  return { ...fit, reason };
}
