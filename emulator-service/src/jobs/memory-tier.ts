/**
 * Guest memory tiers. Every distinct (image, memory, vCPUs) needs its own template (~100 MiB of
 * RAM file in the template directory) and its own pool, so a host would grow without bound if
 * each requested `memoryMiB` got one (six values once added 534 MiB to /dev/shm). A job's memory
 * is rounded up to a power of two from `MIN_MEMORY_TIER_MIB` (128, 256, 512, 1024, …), never above
 * the host's maximum; the result states the memory the job ran with (`vm.memoryMiB`).
 */

/** The smallest tier: the stock Debian kernel needs 88 MiB, and 128 is the default job size. */
export const MIN_MEMORY_TIER_MIB = 128;

/** Pure: the tier a request of `requestedMiB` runs in, at most `maxMiB` (the host's limit). */
export function memoryTierMiB(requestedMiB: number, maxMiB: number): number {
  let tier = MIN_MEMORY_TIER_MIB;
  while (tier < requestedMiB) tier *= 2;
  return Math.max(requestedMiB, Math.min(tier, maxMiB));
}
