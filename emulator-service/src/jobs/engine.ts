import { randomBytes } from "node:crypto";
import { EdgevmError } from "../errors/index.js";
import type { Logger } from "../log/index.js";
import { poolTargets } from "../pool/policy.js";
import type { PoolTargets } from "../pool/types.js";
import { WarmPool } from "../pool/warm-pool.js";
import type { TemplateStore } from "../templates/store.js";
import type { Vm, VmDriver } from "../vm/driver.js";
import { type BootImage, type TemplateKey, templateKeyId } from "../vm/types.js";
import { Admission } from "./admission.js";
import { executeJob } from "./execute.js";
import type {
  Capacity,
  JobEvent,
  JobResult,
  JobRunner,
  JobSpec,
  JobStatus,
  RunOptions,
  VmStart,
} from "./types.js";

export interface EngineLimits {
  /** jobs running at once (each in its own VM) */
  slots: number;
  maxQueue: number;
  queueTimeoutMs: number;
  /** bytes kept per output stream */
  maxOutputBytes: number;
  /** guest memory all VMs of this host may use together, MiB (each VM counts at its full size) */
  memoryBudgetMiB: number;
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
  /** pool targets per image, for its default template key */
  pools: Readonly<Record<string, PoolTargets>>;
  defaultKey: Omit<TemplateKey, "image">;
  observer: EngineObserver;
  logger: Logger;
}

export function newJobId(): string {
  return `job_${randomBytes(8).toString("hex")}`;
}

/**
 * The VMM side of a job: admission, a VM from the pool of its template, the command run by
 * executeJob, and the VM destroyed afterwards whatever happened. It owns every VM it started.
 */
export class JobEngine implements JobRunner {
  private readonly admission: Admission;
  private readonly pools = new Map<string, { key: TemplateKey; pool: WarmPool<Vm> }>();
  private readonly running = new Set<Vm>();
  /** every accepted run and every VM being destroyed, so close() can wait for them */
  private readonly inflight = new Set<Promise<unknown>>();
  private closing = false;

  constructor(private readonly options: EngineOptions) {
    const { slots, maxQueue, queueTimeoutMs } = options.limits;
    this.admission = new Admission(slots, maxQueue, queueTimeoutMs);
  }

  imageNames(): string[] {
    return [...this.options.images.keys()];
  }

  /** Builds the default templates and fills their pools (prewarm). */
  async prewarm(): Promise<void> {
    await Promise.all(
      Object.keys(this.options.pools).map(async (image) => {
        if (!this.options.images.has(image)) return;
        const pool = await this.poolFor({ image, ...this.options.defaultKey });
        await pool.whenFilled();
      }),
    );
  }

  private targetsFor(key: TemplateKey, pool: WarmPool<Vm> | undefined): PoolTargets {
    const isDefault =
      key.memoryMiB === this.options.defaultKey.memoryMiB &&
      key.vcpus === this.options.defaultKey.vcpus;
    const configured = (isDefault && this.options.pools[key.image]) || { warm: 0, spawned: 0 };
    return poolTargets({
      configured,
      vmMemoryMiB: key.memoryMiB,
      freeMemoryMiB:
        this.memoryFreeMiB() - this.options.limits.slots * this.options.defaultKey.memoryMiB,
      held: pool?.held() ?? 0,
    });
  }

  private async poolFor(key: TemplateKey): Promise<WarmPool<Vm>> {
    const id = templateKeyId(key);
    const existing = this.pools.get(id);
    if (existing) return existing.pool;
    const image = this.options.images.get(key.image);
    if (!image) throw new EdgevmError("UNKNOWN_IMAGE", `unknown image "${key.image}"`);
    const template = await this.options.templates.ensure(key, image);
    const raced = this.pools.get(id);
    if (raced) return raced.pool;
    const pool = new WarmPool<Vm>(
      id,
      { spawn: () => this.options.driver.spawnClone(template) },
      this.targetsFor(key, undefined),
      this.options.logger,
    );
    this.pools.set(id, { key, pool });
    pool.refill();
    return pool;
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
    const key: TemplateKey = { image: spec.image, memoryMiB: spec.memoryMiB, vcpus: spec.vcpus };
    let acquired: { vm: Vm; pool: WarmPool<Vm> } | undefined;
    try {
      const pool = await this.poolFor(key);
      const t1 = performance.now();
      const { vm, start } = await pool.acquire().catch((err: Error) => {
        throw new EdgevmError("VM_CRASHED", `could not start a VM: ${err.message}`, { cause: err });
      });
      acquired = { vm, pool };
      this.running.add(vm);
      const startMs = performance.now() - t1;
      this.options.observer.vmStarted(start, startMs / 1000);
      const { region, host } = this.options;
      options.onEvent?.({ type: "start", id, region, host, vm: { id: vm.id, start } });
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
        vm: { id: vm.id, start },
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
      this.track(this.retire(key, acquired, release));
    }
  }

  private async retire(
    key: TemplateKey,
    acquired: { vm: Vm; pool: WarmPool<Vm> } | undefined,
    release: () => void,
  ): Promise<void> {
    try {
      if (!acquired) return;
      this.running.delete(acquired.vm);
      await acquired.vm.destroy();
      acquired.pool.setTargets(this.targetsFor(key, acquired.pool));
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
    for (const { key, pool } of this.pools.values()) used += pool.held() * key.memoryMiB;
    return used;
  }

  private memoryFreeMiB(): number {
    return this.options.limits.memoryBudgetMiB - this.memoryUsedMiB();
  }

  capacity(): Capacity {
    const slots = this.admission.stats;
    const images = this.imageNames().map((name) => {
      let warm = 0;
      let spawned = 0;
      let templates = 0;
      let targetWarm = 0;
      for (const { key, pool } of this.pools.values()) {
        if (key.image !== name) continue;
        const stats = pool.stats();
        warm += stats.warm;
        targetWarm += stats.targets.warm;
        spawned += stats.spawned;
        templates++;
      }
      return { name, warm, spawned, templates, targetWarm };
    });
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
    await Promise.all([...this.pools.values()].map(({ pool }) => pool.close()));
    await Promise.all([...this.running].map((vm) => vm.destroy()));
    await Promise.all(this.inflight);
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
