/**
 * Reading a region Worker from e2e tests: its hosts as `GET /v1/regions` lists them, and polling
 * until a condition holds (for state that changes by heartbeat, not by a reply the test awaits).
 */

import { type HostView, regionListSchema } from "@edgevm/contract";

/** The hosts of the region at `regionUrl`, as it lists itself (`GET /v1/regions?scope=self`). */
export async function regionHosts(regionUrl: string, apiKey: string): Promise<HostView[]> {
  const res = await fetch(`${regionUrl}/v1/regions?scope=self`, {
    headers: { authorization: `Bearer ${apiKey}` },
  });
  const [own] = regionListSchema.parse(await res.json());
  return own?.hosts ?? [];
}

/** Polls `check` every `intervalMs` until it returns a value, or throws after `timeoutMs`. */
export async function until<T>(
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
