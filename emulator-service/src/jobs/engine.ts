import {
  type Capacity,
  EdgevmError,
  type JobResult,
  type JobSpec,
  type JobStatus,
  newJobId,
  type VmStart,
} from "@edgevm/contract";
import type { Logger } from "@edgevm/observability";
import { DEFAULT_MAX_PER_SLOT, type PoolConfig, type ScalingConfig } from "../config/pools.js";
import { type ImageScaling, PoolSet, type ScaledPool } from "../pool/pool-set.js";
import type { TemplateStore } from "../templates/store.js";
import type { Vm, VmDriver } from "../vm/driver.js";
import type { BootImage, TemplateKey } from "../vm/types.js";
import { Admission } from "./admission.js";
import { executeJob } from "./execute.js";
import { memoryTierMiB } from "./memory-tier.js";
import type { JobEvent, JobRunner, RunOptions } from "./runner.js";

export interface EngineLimits {
  /** jobs running at once (each in its own VM) */
  slots: number;
  maxQueue: number;
  queueTimeoutMs: number;
  /** bytes kept per output stream */
  maxOutputBytes: number;
  /** guest memory all VMs of this host may use together, MiB (each VM counts at its full size) */
  memoryBudgetMiB: number;
  /** the largest guest memory a job may ask for, MiB: the top memory tier */
  maxMemoryMiB: number;
}

/** Hooks the service wires to metrics and logs; the engine knows nothing of Prometheus. */
export interface EngineObserver {
  vmStarted(source: VmStart, seconds: number): void;
  jobFinished(status: JobStatus, seconds: number): void;
}

export interface EngineOptions {
  region: string;
  host: string;
  driver: VmDriver;
  templates: TemplateStore;
  images: ReadonlyMap<string, BootImage>;
  limits: EngineLimits;
  /** pool bounds per image, for its default template key; the autoscaler sizes pools within them */
  pools: Readonly<Record<string, PoolConfig>>;
  scaling: ScalingConfig;
  defaultKey: Omit<TemplateKey, "image">;
  observer: EngineObserver;
  logger: Logger;
}

/**
 * The VMM side of a job: admission, a VM from the pool of its template, the command run by
 * executeJob, and the VM destroyed afterwards whatever happened. It owns every VM it started.
 */
export class JobEngine implements JobRunner {
  private readonly admission: Admission;
  private readonly pools: PoolSet;
  private readonly running = new Set<Vm>();
  /** every accepted run and every VM being destroyed, so close() can wait for them */
  private readonly inflight = new Set<Promise<unknown>>();
  private closing = false;

  constructor(private readonly options: EngineOptions) {
    const { slots, maxQueue, queueTimeoutMs } = options.limits;
    this.admission = new Admission(slots, maxQueue, queueTimeoutMs);
    const { driver, templates, images, pools, scaling, logger } = options;
    // the default size runs in its tier too, so jobs of the default size find the prewarmed pool
    const defaultKey = {
      ...options.defaultKey,
      memoryMiB: memoryTierMiB(options.defaultKey.memoryMiB, options.limits.maxMemoryMiB),
    };
    this.pools = new PoolSet({
      driver,
      templates,
      images,
      pools,
      unconfigured: { min: 0, max: slots * DEFAULT_MAX_PER_SLOT, prewarm: 0, spawned: 0 },
      scaling,
      defaultKey,
      // running jobs' VMs, plus room for every slot's next one, are not the pools' to take
      freeMemoryMiB: () => this.memoryFreeMiB() - slots * defaultKey.memoryMiB,
      logger,
    });
  }

  imageNames(): string[] {
    return [...this.options.images.keys()];
  }

  /** Builds the default templates and fills their pools to their `prewarm` size. */
  prewarm(): Promise<void> {
    return this.pools.prewarm();
  }

  /** Per image: pooled VMs, the autoscaler's targets and the arrival rate it sees. */
  scaling(): ImageScaling[] {
    return this.imageNames().map((name) => this.pools.image(name));
  }

  run(spec: JobSpec, options: RunOptions = {}): Promise<JobResult> {
    const run = this.runJob(spec, options);
    this.track(run);
    return run;
  }

  private async runJob(spec: JobSpec, options: RunOptions): Promise<JobResult> {
    if (this.closing) {
      throw new EdgevmError("SHUTTING_DOWN", "this emulator host is shutting down", {
        retryAfterS: 1,
      });
    }
    if (!this.options.images.has(spec.image)) {
      throw new EdgevmError(
        "UNKNOWN_IMAGE",
        `unknown image "${spec.image}"; known: ${this.imageNames().join(", ")}`,
      );
    }
    const id = newJobId();
    const t0 = performance.now();
    const log = this.options.logger.child({ jobId: id, requestId: options.requestId });
    const release = await this.admission.acquire(options.signal);
    const queueMs = performance.now() - t0;
    const memoryMiB = memoryTierMiB(spec.memoryMiB, this.options.limits.maxMemoryMiB);
    const key: TemplateKey = { image: spec.image, memoryMiB, vcpus: spec.vcpus };
    let scaled: ScaledPool | undefined;
    let acquiredVm: Vm | undefined;
    try {
      scaled = await this.pools.get(key);
      this.pools.acquiring(scaled);
      const t1 = performance.now();
      const { vm, start } = await scaled.pool.acquire().catch((err: Error) => {
        throw new EdgevmError("VM_CRASHED", `could not start a VM: ${err.message}`, { cause: err });
      });
      acquiredVm = vm;
      this.running.add(vm);
      const startMs = performance.now() - t1;
      this.options.observer.vmStarted(start, startMs / 1000);
      const { region, host } = this.options;
      const vmInfo = { id: vm.id, start, memoryMiB };
      options.onEvent?.({ type: "start", id, region, host, vm: vmInfo });
      const outcome = await executeJob(vm, spec, {
        maxOutputBytes: this.options.limits.maxOutputBytes,
        ...(options.signal ? { signal: options.signal } : {}),
        onOutput: (stream, data) => options.onEvent?.({ type: stream, data } as JobEvent),
      });
      const encode = (b: Buffer) =>
        b.toString(spec.outputEncoding === "base64" ? "base64" : "utf8");
      const totalMs = performance.now() - t0;
      const result: JobResult = {
        id,
        status: outcome.status,
        exitCode: outcome.exitCode,
        signal: outcome.signal,
        stdout: encode(outcome.stdout),
        stderr: encode(outcome.stderr),
        outputEncoding: spec.outputEncoding,
        truncated: outcome.truncated,
        region,
        host,
        vm: vmInfo,
        timing: {
          queueMs: round(queueMs),
          startMs: round(startMs),
          runMs: round(outcome.runMs),
          totalMs: round(totalMs),
        },
        ...(outcome.message ? { message: outcome.message } : {}),
      };
      this.options.observer.jobFinished(result.status, totalMs / 1000);
      log.info("job finished", {
        status: result.status,
        exitCode: result.exitCode,
        vm: vm.id,
        start,
        ...result.timing,
      });
      options.onEvent?.({ type: "exit", result });
      return result;
    } finally {
      // Destroying a VM (SIGKILL, exit, unmapping its memory) takes a few ms: it happens after
      // the result is handed back, and the slot is only freed once the VM is really gone.
      this.track(this.retire(scaled, acquiredVm, release));
    }
  }

  private async retire(
    scaled: ScaledPool | undefined,
    vm: Vm | undefined,
    release: () => void,
  ): Promise<void> {
    try {
      if (vm) {
        this.running.delete(vm);
        await vm.destroy();
      }
      if (scaled) this.pools.released(scaled);
    } finally {
      release();
    }
  }

  private track(work: Promise<unknown>): void {
    const settled = work.catch(() => {}).finally(() => this.inflight.delete(settled));
    this.inflight.add(settled);
  }

  private memoryUsedMiB(): number {
    let used = 0;
    for (const vm of this.running) used += vm.memoryMiB;
    return used + this.pools.heldMiB();
  }

  private memoryFreeMiB(): number {
    return this.options.limits.memoryBudgetMiB - this.memoryUsedMiB();
  }

  capacity(): Capacity {
    const slots = this.admission.stats;
    const images = this.scaling().map(({ image, warm, spawned, templates, targetWarm }) => ({
      name: image,
      warm,
      spawned,
      templates,
      targetWarm,
    }));
    const usedMiB = this.memoryUsedMiB();
    return {
      region: this.options.region,
      host: this.options.host,
      accel: this.options.driver.accel,
      slots: { total: slots.total, busy: slots.busy, free: slots.free },
      queue: { length: slots.queued, max: slots.maxQueue },
      memory: {
        budgetMiB: this.options.limits.memoryBudgetMiB,
        usedMiB,
        freeMiB: Math.max(0, this.options.limits.memoryBudgetMiB - usedMiB),
      },
      images,
    };
  }

  /** Stops admitting, refuses the queue, destroys every pooled and running VM. */
  async close(): Promise<void> {
    this.closing = true;
    this.admission.rejectAll(
      new EdgevmError("SHUTTING_DOWN", "this emulator host is shutting down", { retryAfterS: 1 }),
    );
    await this.pools.close();
    await Promise.all([...this.running].map((vm) => vm.destroy()));
    await Promise.all(this.inflight);
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
