import { randomBytes } from "node:crypto";
import type { AgentChannel } from "../protocol/index.js";

/** Entropy handed to every clone so no two clones share RNG state, bytes. */
const SEED_BYTES = 64;

/** Driver-independent helpers for talking to a guest. */

export function newVmId(): string {
  return `vm-${randomBytes(5).toString("hex")}`;
}

/** Sends the current time and fresh entropy; every clone gets this before any job frame. */
export async function initGuest(agent: AgentChannel): Promise<void> {
  const nowNs = BigInt(Date.now()) * 1_000_000n;
  await agent.init(nowNs, randomBytes(SEED_BYTES));
}

/** Rejects with "<what> took longer than <ms> ms" unless `promise` settles first. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
