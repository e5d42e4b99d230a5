import type { VmStart } from "@edgevm/contract";

/** What the pool needs of a VM; QEMU clones and the fake driver's VMs both provide it. */
export interface PoolVm {
  readonly id: string;
  /** resolves when the VM's process ends, whoever ended it */
  readonly exited: Promise<unknown>;
  /** loads the template state and sends INIT (clock + entropy): incoming → running */
  restore(): Promise<void>;
  /** runs the warm-up command so a job's first exec is fast */
  warmUp(): Promise<void>;
  destroy(): Promise<unknown>;
}

/** Spawns clones of one template (one pool per template key). */
export interface CloneSource<V extends PoolVm> {
  spawn(): Promise<V>;
}

/** How many VMs of each kind the pool keeps ready. */
export interface PoolTargets {
  /** restored and warmed up: a job on one of these is a `warm` start */
  warm: number;
  /** spawned and waiting in `-incoming defer`: a job on one of these is a `restore` start */
  spawned: number;
}

export interface PoolStats {
  warm: number;
  spawned: number;
  /** VMs being spawned, restored or warmed up for the pool right now */
  filling: number;
  targets: PoolTargets;
}

export interface Acquired<V> {
  vm: V;
  start: VmStart;
}
