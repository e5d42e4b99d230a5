import { EdgevmError } from "@edgevm/contract";
import type { Logger } from "@edgevm/observability";
import type { PoolConfig, ScalingConfig } from "../config/pools.js";
import type { TemplateStore } from "../templates/store.js";
import type { Vm, VmDriver } from "../vm/driver.js";
import { type BootImage, type TemplateKey, templateKeyId } from "../vm/types.js";
import { decide, type ScalingDecision, type ScalingLimits } from "./autoscaler.js";
import { NO_ARRIVALS, type RateEstimate, rateAt, recordArrival, updateMean } from "./rate.js";
import { WarmPool } from "./warm-pool.js";

/** How often every pool is re-evaluated without a job, ms: idle pools shrink within a second. */
export const SCALING_TICK_MS = 1_000;

/** Calls `tick` every `ms` until stopped. */
export type Ticker = (tick: () => void, ms: number) => { stop(): void };

/** `setInterval`, unref'd: the pools' timer never keeps the process alive. */
export const intervalTicker: Ticker = (tick, ms) => {
  const timer = setInterval(tick, ms);
  timer.unref();
  return { stop: () => clearInterval(timer) };
};

export interface PoolSetOptions {
  driver: VmDriver;
  templates: TemplateStore;
  images: ReadonlyMap<string, BootImage>;
  /** bounds per image, for its default template key */
  pools: Readonly<Record<string, PoolConfig>>;
  /** bounds of every other pool (other images, other memory or vCPUs); min and prewarm 0 */
  unconfigured: PoolConfig;
  scaling: ScalingConfig;
  defaultKey: Omit<TemplateKey, "image">;
  /** guest memory left for pooled VMs, MiB, counting every pool's VMs as used */
  freeMemoryMiB(): number;
  logger: Logger;
  /** ms, monotonic; performance.now by default */
  now?: () => number;
  /** how often the timer re-evaluates every pool, ms (`SCALING_TICK_MS` by default) */
  tickMs?: number;
  /** the timer; `intervalTicker` by default (tests tick by hand) */
  ticker?: Ticker;
}

/** One pool and what its autoscaler knows. */
export interface ScaledPool {
  readonly id: string;
  readonly key: TemplateKey;
  readonly pool: WarmPool<Vm>;
  readonly limits: ScalingLimits;
  readonly sinceMs: number;
  rate: RateEstimate;
  lastArrivalMs: number | undefined;
  /** mean warm-VM preparation time, ms */
  prepMs: number | undefined;
  decision: ScalingDecision;
}

/** Per image, what the autoscaler is doing (summed over its template keys). */
export interface ImageScaling {
  image: string;
  warm: number;
  spawned: number;
  templates: number;
  targetWarm: number;
  targetSpawned: number;
  /** acquisitions per second, EWMA */
  arrivalRatePerS: number;
}

/**
 * The pools of one host, one per template key, each sized by the autoscaler: re-evaluated on every
 * acquisition and release and on a slow timer (so idle pools shrink to their minimum).
 */
export class PoolSet {
  private readonly pools = new Map<string, ScaledPool>();
  private readonly now: () => number;
  private readonly timer: { stop(): void };

  constructor(private readonly options: PoolSetOptions) {
    this.now = options.now ?? (() => performance.now());
    const ticker = options.ticker ?? intervalTicker;
    this.timer = ticker(() => this.evaluateAll(), options.tickMs ?? SCALING_TICK_MS);
  }

  /** Builds the default templates of the configured images and fills their pools to `prewarm`. */
  async prewarm(): Promise<void> {
    await Promise.all(
      Object.keys(this.options.pools).map(async (image) => {
        if (!this.options.images.has(image)) return;
        const scaled = await this.get({ image, ...this.options.defaultKey });
        await scaled.pool.whenFilled();
      }),
    );
  }

  /** The pool of a template key, built (template included) on first use. */
  async get(key: TemplateKey): Promise<ScaledPool> {
    const id = templateKeyId(key);
    const existing = this.pools.get(id);
    if (existing) return existing;
    const image = this.options.images.get(key.image);
    if (!image) throw new EdgevmError("UNKNOWN_IMAGE", `unknown image "${key.image}"`);
    const template = await this.options.templates.ensure(key, image);
    const raced = this.pools.get(id);
    if (raced) return raced;
    const limits = this.limitsFor(key);
    const sinceMs = this.now();
    const scaled: ScaledPool = {
      id,
      key,
      limits,
      sinceMs,
      rate: NO_ARRIVALS,
      lastArrivalMs: undefined,
      prepMs: undefined,
      decision: { warm: 0, spawned: 0, reason: "idle" },
      pool: new WarmPool<Vm>(
        id,
        { spawn: () => this.options.driver.spawnClone(template) },
        { warm: 0, spawned: 0 },
        this.options.logger,
        (ms) => {
          scaled.prepMs = updateMean(scaled.prepMs, ms);
        },
        this.options.scaling.fillConcurrency,
      ),
    };
    this.pools.set(id, scaled);
    this.evaluate(scaled, true);
    return scaled;
  }

  /** A job is about to take a VM: count the arrival; grow the targets but do not fill yet. */
  acquiring(scaled: ScaledPool): void {
    const now = this.now();
    scaled.rate = recordArrival(scaled.rate, now);
    scaled.lastArrivalMs = now;
    this.evaluate(scaled, false);
  }

  /** A job's VM is gone: re-evaluate and refill (the job no longer competes for the CPU). */
  released(scaled: ScaledPool): void {
    this.evaluate(scaled, true);
  }

  /** Re-evaluates every pool (the timer's job); shrinking only, filling waits for a release. */
  evaluateAll(): void {
    for (const scaled of this.pools.values()) this.evaluate(scaled, false);
  }

  private evaluate(scaled: ScaledPool, refill: boolean): void {
    const now = this.now();
    const stats = scaled.pool.stats();
    const ratePerS = rateAt(scaled.rate, now);
    const decision = decide({
      nowMs: now,
      ratePerS,
      lastArrivalMs: scaled.lastArrivalMs,
      sinceMs: scaled.sinceMs,
      prepMs: scaled.prepMs,
      pool: stats,
      current: stats.targets,
      limits: scaled.limits,
      vmMemoryMiB: scaled.key.memoryMiB,
      freeMemoryMiB: this.options.freeMemoryMiB(),
    });
    const previous = scaled.decision;
    scaled.decision = decision;
    if (decision.warm !== previous.warm || decision.spawned !== previous.spawned) {
      this.options.logger.info("pool target changed", {
        pool: scaled.id,
        image: scaled.key.image,
        warm: decision.warm,
        spawned: decision.spawned,
        previousWarm: previous.warm,
        previousSpawned: previous.spawned,
        reason: decision.reason,
        ratePerS: Math.round(ratePerS * 100) / 100,
        prepMs: scaled.prepMs === undefined ? null : Math.round(scaled.prepMs),
      });
    }
    scaled.pool.setTargets(decision, refill);
  }

  private limitsFor(key: TemplateKey): ScalingLimits {
    const { defaultKey, pools, unconfigured, scaling } = this.options;
    const configured = pools[key.image];
    const isDefault = key.memoryMiB === defaultKey.memoryMiB && key.vcpus === defaultKey.vcpus;
    const bounds: PoolConfig = !configured
      ? unconfigured
      : isDefault
        ? configured
        : { min: 0, max: configured.max, prewarm: 0, spawned: 0 };
    return {
      min: bounds.min,
      max: bounds.max,
      prewarm: bounds.prewarm,
      minSpawned: bounds.spawned,
      idleToZeroMs: scaling.idleToZeroMs,
    };
  }

  /** Guest memory every pooled VM may use, MiB (each counted at its full size). */
  heldMiB(): number {
    let held = 0;
    for (const { key, pool } of this.pools.values()) held += pool.held() * key.memoryMiB;
    return held;
  }

  /** What the pools of one image hold and aim for. */
  image(name: string): ImageScaling {
    const now = this.now();
    const sum: ImageScaling = {
      image: name,
      warm: 0,
      spawned: 0,
      templates: 0,
      targetWarm: 0,
      targetSpawned: 0,
      arrivalRatePerS: 0,
    };
    for (const scaled of this.pools.values()) {
      if (scaled.key.image !== name) continue;
      const stats = scaled.pool.stats();
      sum.warm += stats.warm;
      sum.spawned += stats.spawned;
      sum.templates++;
      sum.targetWarm += stats.targets.warm;
      sum.targetSpawned += stats.targets.spawned;
      sum.arrivalRatePerS += rateAt(scaled.rate, now);
    }
    return sum;
  }

  /** Stops the timer and destroys every pooled VM. */
  async close(): Promise<void> {
    this.timer.stop();
    await Promise.all([...this.pools.values()].map(({ pool }) => pool.close()));
  }
}
