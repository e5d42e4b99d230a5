/**
 * Reading a region Worker from e2e tests: its hosts as `GET /v1/regions` lists them, and polling
 * until a condition holds (for state that changes by heartbeat, not by a reply the test awaits).
 */

/** One host of the answering region in `GET /v1/regions` (the fields the tests read). */
export interface RegionHost {
  id: string;
  url: string;
  state: "active" | "draining";
  lastSeenMs: number | null;
  startedAt: number | null;
  capacity: { total: number; busy: number; free: number };
}

/** The hosts of the region at `regionUrl` (the first entry: the answering region). */
export async function regionHosts(regionUrl: string, apiKey: string): Promise<RegionHost[]> {
  const res = await fetch(`${regionUrl}/v1/regions`, {
    headers: { authorization: `Bearer ${apiKey}` },
  });
  const [own] = (await res.json()) as Array<{ hosts: RegionHost[] }>;
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
