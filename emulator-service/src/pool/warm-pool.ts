import type { Logger } from "../log/index.js";
import type { Acquired, CloneSource, PoolStats, PoolTargets, PoolVm } from "./types.js";

/**
 * The VMs kept ready for one template. `acquire` hands out the most ready VM (warm, then
 * spawned, then a new clone) and the pool refills in the background, one VM at a time so a
 * refill never starves running jobs of CPU. A pooled VM that dies is dropped and replaced.
 */
export class WarmPool<V extends PoolVm> {
  private readonly warm: V[] = [];
  private readonly spawned: V[] = [];
  private filling = 0;
  private targets: PoolTargets;
  private closed = false;
  private fillLoop: Promise<void> | undefined;
  /** VMs trimmed from the pool whose destruction close() must still wait for */
  private readonly trimming = new Set<Promise<unknown>>();

  constructor(
    private readonly name: string,
    private readonly source: CloneSource<V>,
    targets: PoolTargets,
    private readonly logger: Logger,
    /** told how long each warm VM took to prepare (spawn if needed, restore, warm-up), ms */
    private readonly onPrepared: (ms: number) => void = () => {},
  ) {
    this.targets = targets;
  }

  stats(): PoolStats {
    return {
      warm: this.warm.length,
      spawned: this.spawned.length,
      filling: this.filling,
      targets: { ...this.targets },
    };
  }

  /** VMs held by the pool (ready or being prepared). */
  held(): number {
    return this.warm.length + this.spawned.length + this.filling;
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

  /** Resolves when the pool has reached its targets, or when a fill stopped short (a failure, logged). */
  async whenFilled(): Promise<void> {
    this.refill();
    while (this.fillLoop) await this.fillLoop;
  }

  /** Starts filling up to the targets if no fill is running. */
  refill(): void {
    if (this.closed || this.fillLoop) return;
    this.fillLoop = this.fill().finally(() => {
      this.fillLoop = undefined;
    });
  }

  private async fill(): Promise<void> {
    while (!this.closed) {
      const needWarm = this.warm.length < this.targets.warm;
      const needSpawned = this.spawned.length < this.targets.spawned;
      if (!needWarm && !needSpawned) return;
      this.filling++;
      const t0 = performance.now();
      let vm: V | undefined;
      try {
        vm = needWarm
          ? (this.spawned.shift() ?? (await this.source.spawn()))
          : await this.source.spawn();
        if (needWarm) {
          await vm.restore();
          await vm.warmUp();
          this.onPrepared(performance.now() - t0);
        }
      } catch (err) {
        this.logger.warn("pool fill failed", { pool: this.name, error: (err as Error).message });
        if (vm) await vm.destroy();
        this.filling--;
        return;
      }
      this.filling--;
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
    await Promise.all([...all.map((vm) => vm.destroy()), ...this.trimming]);
    await this.fillLoop;
  }
}
