import type { PoolTargets } from "./types.js";

export interface PoolPolicyInput {
  /** configured targets for this image */
  configured: PoolTargets;
  /** memory each VM of this template may use, MiB */
  vmMemoryMiB: number;
  /** memory left in the host budget for pooled VMs after running jobs, MiB */
  freeMemoryMiB: number;
  /** VMs this pool holds now (warm + spawned + filling) */
  held: number;
}

/**
 * Pure: the targets the pool fills to. The configured targets, cut so that the pooled VMs never
 * take the host over its memory budget (a VM counts at its full guest memory, its worst case).
 * Warm VMs are kept before spawned ones: they are what makes a job fast.
 */
export function poolTargets(input: PoolPolicyInput): PoolTargets {
  const affordable = Math.max(0, Math.floor(input.freeMemoryMiB / input.vmMemoryMiB) + input.held);
  const warm = Math.min(input.configured.warm, affordable);
  const spawned = Math.min(input.configured.spawned, affordable - warm);
  return { warm, spawned };
}
