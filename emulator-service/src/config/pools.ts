import { z } from "zod";
import { configIssue } from "./issues.js";

/** Per-image pool bounds; the autoscaler chooses the targets between them. */
export interface PoolConfig {
  /** warm VMs kept even when idle */
  min: number;
  /** warm VMs never exceeded */
  max: number;
  /** warm VMs filled at start-up and kept until the first job or `idleToZeroMs` */
  prewarm: number;
  /** pre-spawned clones kept even when idle */
  spawned: number;
}

export interface ScalingConfig {
  /** no job on a pool for this long, ms → it shrinks to its `min` (zero by default) */
  idleToZeroMs: number;
  /** VMs each pool prepares in parallel (spawn, restore, warm-up), at least 1 */
  fillConcurrency: number;
}

/** A minute without a job: long enough to ride out gaps between bursts, short enough to give the memory back. */
export const DEFAULT_IDLE_TO_ZERO_MS = 60_000;

/**
 * Cores per default fill worker: a preparation keeps about one core busy under TCG (~165 ms of CPU
 * per VM), so one worker per two cores leaves the other half to running jobs. Measured on 2 cores
 * at 5 jobs/s: 2 workers stopped the pool running dry (no pool miss after the first 5 s) but
 * doubled the warm-job p50 (~25 → ~50 ms), because the fills then took both cores.
 */
export const CORES_PER_FILL_WORKER = 2;

/**
 * Fill workers per pool by default at most, VMs prepared in parallel: 4 workers refill ~25 warm
 * VMs/s, far more than one pool's jobs take; more would only take cores from running jobs.
 */
export const MAX_DEFAULT_FILL_CONCURRENCY = 4;

/** Pure: the default fill concurrency for a host with `cores` CPUs: one worker per two, 1 to 4. */
export function defaultFillConcurrency(cores: number): number {
  const workers = Math.floor(cores / CORES_PER_FILL_WORKER);
  return Math.max(1, Math.min(MAX_DEFAULT_FILL_CONCURRENCY, workers));
}

/** Warm VMs filled at start-up when no pool is configured: the first jobs after start are warm. */
export const DEFAULT_PREWARM = 2;

/**
 * `max` when not configured, as a multiple of the job slots: a pool twice the slots covers every
 * slot's next job while the one after is prepared; beyond that VMs wait idle.
 */
export const DEFAULT_MAX_PER_SLOT = 2;

/** VMs per pool, at most 256. */
const count = z.int().min(0).max(256);

const scaledPoolSchema = z
  .object({
    min: count
      .describe("warm VMs kept even when idle; `--warm`/`EDGEVM_POOL_WARM` set it for every pool")
      .meta({ default: 0 }),
    max: count
      .describe(
        "warm VMs never exceeded; the autoscaler stays at or below it (and within `limits.memoryBudgetMiB`)",
      )
      .meta({
        defaultText: `the larger of \`min\` and ${DEFAULT_MAX_PER_SLOT} × \`limits.slots\``,
      }),
    prewarm: count
      .describe("warm VMs filled at start-up, kept until the first job or `scaling.idleToZeroMs`")
      .meta({ defaultText: "`min`" }),
    spawned: count
      .describe(
        "pre-spawned QEMU processes waiting to restore (~16 MiB each, no CPU), kept even when idle; `--spawned`/`EDGEVM_POOL_SPAWNED` set it for every pool",
      )
      .meta({ default: 0 }),
  })
  .partial()
  .strict();

/** `{ warm, spawned }`, the shape before autoscaling: read as `min = prewarm = warm`. */
const legacyPoolSchema = z
  .object({
    warm: count.describe(
      "older form `{ warm, spawned }` (both required): `min` = `prewarm` = `warm`, `max` as above",
    ),
    spawned: count,
  })
  .strict();

export const poolFileSchema = z.union([scaledPoolSchema, legacyPoolSchema], {
  error: "must be { min, max, prewarm, spawned } (each optional) or the older { warm, spawned }",
});

export const scalingFileSchema = z
  .object({
    idleToZeroMs: z
      .int()
      .min(1)
      .describe(
        "ms without a job after which a pool shrinks to its `min` (zero by default): long enough to ride out gaps between bursts, short enough to give the memory back",
      )
      .meta({ default: DEFAULT_IDLE_TO_ZERO_MS }),
    fillConcurrency: z
      .int()
      .min(1)
      .max(64)
      .describe(
        `VMs each pool prepares in parallel (spawn, restore, warm-up); a preparation keeps about one core busy under TCG, so the default leaves half the cores to running jobs`,
      )
      .meta({
        defaultText: `one per ${CORES_PER_FILL_WORKER} cores, 1 to ${MAX_DEFAULT_FILL_CONCURRENCY}`,
      }),
  })
  .partial()
  .strict();

export type PoolFileEntry = z.infer<typeof poolFileSchema>;

/** Flag or environment overrides applied to every pool (the `--warm` / `--spawned` flags). */
export interface PoolOverrides {
  warm: number | undefined;
  spawned: number | undefined;
}

/** Pure: the pools of the configuration, with defaults, overrides and their bounds checked. */
export function resolvePools(
  file: Readonly<Record<string, PoolFileEntry>> | undefined,
  slots: number,
  overrides: PoolOverrides,
  /** the config file, for errors */
  fileName?: string,
): Record<string, PoolConfig> {
  const defaultMax = slots * DEFAULT_MAX_PER_SLOT;
  const entries = file ?? { base: { prewarm: DEFAULT_PREWARM } };
  const pools: Record<string, PoolConfig> = {};
  for (const [name, entry] of Object.entries(entries)) {
    let pool: PoolConfig;
    if ("warm" in entry) {
      pool = {
        min: entry.warm,
        max: Math.max(entry.warm, defaultMax),
        prewarm: entry.warm,
        spawned: entry.spawned,
      };
    } else {
      const min = entry.min ?? 0;
      pool = {
        min,
        max: entry.max ?? Math.max(min, defaultMax),
        prewarm: entry.prewarm ?? min,
        spawned: entry.spawned ?? 0,
      };
    }
    if (overrides.warm !== undefined) {
      // the old meaning of --warm: exactly this many warm VMs at start, never fewer
      pool.min = overrides.warm;
      pool.prewarm = overrides.warm;
      pool.max = Math.max(pool.max, overrides.warm);
    }
    if (overrides.spawned !== undefined) pool.spawned = overrides.spawned;
    if (!(pool.min <= pool.prewarm && pool.prewarm <= pool.max)) {
      throw configIssue(
        {
          path: `emulator.pools.${name}`,
          message: `needs min ≤ prewarm ≤ max (got ${pool.min}, ${pool.prewarm}, ${pool.max})`,
        },
        fileName,
      );
    }
    pools[name] = pool;
  }
  return pools;
}
