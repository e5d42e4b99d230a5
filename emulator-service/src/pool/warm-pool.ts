import type { Logger } from "@edgevm/observability";
import type { Acquired, CloneSource, PoolStats, PoolTargets, PoolVm } from "./types.js";

/**
 * The VMs kept ready for one template. `acquire` hands out the most ready VM (warm, then
 * spawned, then a new clone) and the pool refills in the background with up to `fillConcurrency`
 * VMs prepared at once (each by its own worker), so a burst that empties the pool is made good
 * on several cores rather than one VM at a time. VMs being prepared count toward the targets, so
 * parallel workers never prepare more than the targets ask for. A pooled VM that dies is dropped
 * and replaced.
 */
export class WarmPool<V extends PoolVm> {
  private readonly warm: V[] = [];
  private readonly spawned: V[] = [];
  /** VMs being prepared (counted toward the targets), by the list they are meant for */
  private fillingWarm = 0;
  private fillingSpawned = 0;
  private targets: PoolTargets;
  private closed = false;
  /** the running fill workers; each prepares one VM at a time */
  private readonly workers = new Set<Promise<void>>();
  /** VMs trimmed from the pool whose destruction close() must still wait for */
  private readonly trimming = new Set<Promise<unknown>>();
  private readonly fillConcurrency: number;

  constructor(
    private readonly name: string,
    private readonly source: CloneSource<V>,
    targets: PoolTargets,
    private readonly logger: Logger,
    /** told how long each warm VM took to prepare (spawn if needed, restore, warm-up), ms */
    private readonly onPrepared: (ms: number) => void = () => {},
    /** VMs prepared in parallel at most (at least 1) */
    fillConcurrency = 1,
  ) {
    this.targets = targets;
    this.fillConcurrency = Math.max(1, Math.floor(fillConcurrency));
  }

  stats(): PoolStats {
    return {
      warm: this.warm.length,
      spawned: this.spawned.length,
      filling: this.fillingWarm + this.fillingSpawned,
      targets: { ...this.targets },
    };
  }

  /** VMs held by the pool (ready or being prepared). */
  held(): number {
    return this.warm.length + this.spawned.length + this.fillingWarm + this.fillingSpawned;
  }

  /**
   * New targets; extra VMs are destroyed now. With `refill` false the pool does not start filling
   * (a job is about to run and should not compete with a refill for the CPU).
   */
  setTargets(targets: PoolTargets, refill = true): void {
    this.targets = { warm: targets.warm, spawned: targets.spawned };
    this.trimToTargets();
    if (refill) this.refill();
  }

  /**
   * The most ready VM there is; the caller owns it and must destroy it. The pool does not refill
   * here: a refill (QEMU start, restore, warm-up) would compete for the CPU with the job that just
   * got this VM, so the caller calls `refill()` once the job is done.
   */
  async acquire(): Promise<Acquired<V>> {
    const warm = this.warm.shift();
    if (warm) return { vm: warm, start: "warm" };
    let vm = this.spawned.shift();
    vm ??= await this.source.spawn();
    try {
      await vm.restore();
    } catch (err) {
      await vm.destroy();
      throw err;
    }
    return { vm, start: "restore" };
  }

  /**
   * Resolves when the pool has reached its targets, or when every fill stopped short (a failure,
   * logged).
   */
  async whenFilled(): Promise<void> {
    this.refill();
    while (this.workers.size) await Promise.all(this.workers);
  }

  /**
   * Starts fill workers, up to `fillConcurrency`, when a VM is missing. Each new worker claims its
   * VM before the next one starts; one that finds nothing left to claim ends at once.
   */
  refill(): void {
    if (this.closed || this.missing() === 0) return;
    while (this.workers.size < this.fillConcurrency) {
      const worker: Promise<void> = this.fill().finally(() => this.workers.delete(worker));
      this.workers.add(worker);
    }
  }

  /** VMs to prepare before the targets are met, counting those being prepared. */
  private missing(): number {
    const warm = Math.max(0, this.targets.warm - this.warm.length - this.fillingWarm);
    const spawned = Math.max(0, this.targets.spawned - this.spawned.length - this.fillingSpawned);
    return warm + spawned;
  }

  /** One worker: prepares one VM after another until the targets are met; stops on a failure. */
  private async fill(): Promise<void> {
    while (!this.closed) {
      // claimed before the first await, so parallel workers never prepare the same missing VM
      const needWarm = this.warm.length + this.fillingWarm < this.targets.warm;
      const needSpawned = this.spawned.length + this.fillingSpawned < this.targets.spawned;
      if (!needWarm && !needSpawned) return;
      if (needWarm) this.fillingWarm++;
      else this.fillingSpawned++;
      const done = () => {
        if (needWarm) this.fillingWarm--;
        else this.fillingSpawned--;
      };
      const t0 = performance.now();
      let vm: V | undefined = needWarm ? this.spawned.shift() : undefined;
      try {
        vm ??= await this.source.spawn();
        if (needWarm) {
          await vm.restore();
          await vm.warmUp();
          this.onPrepared(performance.now() - t0);
        }
      } catch (err) {
        this.logger.warn("pool fill failed", { pool: this.name, error: (err as Error).message });
        if (vm) await vm.destroy();
        done();
        return;
      }
      done();
      if (this.closed) {
        await vm.destroy();
        return;
      }
      const list = needWarm ? this.warm : this.spawned;
      if (list.length >= (needWarm ? this.targets.warm : this.targets.spawned)) {
        // the targets were lowered while this VM was being prepared
        await vm.destroy();
        continue;
      }
      this.adopt(vm, list);
    }
  }

  private adopt(vm: V, list: V[]): void {
    list.push(vm);
    vm.exited.then(() => {
      const index = list.indexOf(vm);
      if (index < 0) return;
      list.splice(index, 1);
      this.logger.warn("pooled VM died, replacing it", { pool: this.name, vm: vm.id });
      this.refill();
    });
  }

  private trimToTargets(): void {
    for (const [list, target] of [
      [this.warm, this.targets.warm],
      [this.spawned, this.targets.spawned],
    ] as const) {
      while (list.length > target) {
        const vm = list.pop();
        if (!vm) continue;
        const destroyed = vm.destroy().finally(() => this.trimming.delete(destroyed));
        this.trimming.add(destroyed);
      }
    }
  }

  /** Destroys every pooled VM and stops refilling. */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.warm.splice(0), ...this.spawned.splice(0)];
    await Promise.all([...all.map((vm) => vm.destroy()), ...this.trimming, ...this.workers]);
  }
}
