/** A fake CloneSource for WarmPool tests: VMs with controllable restore/warmUp/exit, counting calls. */
import type { CloneSource, PoolVm } from "../../src/pool/types.js";

export interface FakeExit {
  requested: boolean;
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(err: Error): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** What a step (restore or warmUp) does: succeed, fail, or wait for the test to finish it. */
export type StepBehavior = "ok" | "fail" | "hold";

export class FakeVm implements PoolVm {
  readonly exited: Promise<FakeExit>;
  restoreCalls = 0;
  warmUpCalls = 0;
  destroyCalls = 0;
  restoreBehavior: StepBehavior = "ok";
  warmUpBehavior: StepBehavior = "ok";
  /** pending held steps, finished by the test */
  readonly heldRestores: Deferred<void>[] = [];
  readonly heldWarmUps: Deferred<void>[] = [];
  private resolveExit!: (exit: FakeExit) => void;
  private exitedFlag = false;

  constructor(readonly id: string) {
    this.exited = new Promise((resolve) => {
      this.resolveExit = resolve;
    });
  }

  get isExited(): boolean {
    return this.exitedFlag;
  }

  private step(behavior: StepBehavior, what: string, held: Deferred<void>[]): Promise<void> {
    if (this.exitedFlag) return Promise.reject(new Error(`${this.id} is gone`));
    if (behavior === "fail") return Promise.reject(new Error(`${what} failed for ${this.id}`));
    if (behavior === "hold") {
      const d = deferred();
      held.push(d);
      return d.promise;
    }
    return Promise.resolve();
  }

  restore(): Promise<void> {
    this.restoreCalls++;
    return this.step(this.restoreBehavior, "restore", this.heldRestores);
  }

  warmUp(): Promise<void> {
    this.warmUpCalls++;
    return this.step(this.warmUpBehavior, "warmUp", this.heldWarmUps);
  }

  destroy(): Promise<FakeExit> {
    this.destroyCalls++;
    this.exit(true);
    return this.exited;
  }

  /** The VM's process dies on its own. */
  die(): void {
    this.exit(false);
  }

  private exit(requested: boolean): void {
    if (this.exitedFlag) return;
    this.exitedFlag = true;
    this.resolveExit({ requested });
  }
}

export class FakeCloneSource implements CloneSource<FakeVm> {
  spawnCalls = 0;
  /** every VM spawned, in order */
  readonly vms: FakeVm[] = [];
  /** when set, spawn() waits until release() */
  hold = false;
  /** spawn() fails while this is positive (counting down), or always when Infinity */
  failSpawns = 0;
  /** applied to each new VM */
  restoreBehavior: StepBehavior = "ok";
  warmUpBehavior: StepBehavior = "ok";
  private readonly held: Deferred<void>[] = [];

  async spawn(): Promise<FakeVm> {
    this.spawnCalls++;
    if (this.failSpawns > 0) {
      this.failSpawns--;
      throw new Error("spawn failed");
    }
    if (this.hold) {
      const d = deferred();
      this.held.push(d);
      await d.promise;
    }
    const vm = new FakeVm(`vm-${this.vms.length + 1}`);
    vm.restoreBehavior = this.restoreBehavior;
    vm.warmUpBehavior = this.warmUpBehavior;
    this.vms.push(vm);
    return vm;
  }

  /** Spawns waiting on `hold`. */
  get pendingSpawns(): number {
    return this.held.length;
  }

  /** Lets every held spawn finish (and stops holding new ones unless `keepHolding`). */
  release(keepHolding = false): void {
    this.hold = keepHolding;
    for (const d of this.held.splice(0)) d.resolve();
  }

  /** VMs not destroyed and not dead. */
  live(): FakeVm[] {
    return this.vms.filter((vm) => !vm.isExited);
  }
}
