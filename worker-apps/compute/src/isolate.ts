/**
 * The state one isolate shares between the requests, Durable Objects and RPC calls it serves: its
 * view of the region's hosts (`HostSet`: cached member list, jobs in flight per host), its metrics,
 * its root logger and its clock. Created by `createIsolateContext`, never at import time: the Worker
 * makes one per isolate on first use (`worker.ts`), and tests make their own (with a clock they
 * move forward instead of sleeping).
 */

import { HostSet } from "./hosts/host-set.js";
import { createWorkerLogger } from "./http/log.js";
import { createWorkerMetrics, type WorkerMetrics } from "./http/metrics.js";
import type { Logger } from "./shared/index.js";

export interface IsolateContext {
  /**
   * Unix ms: the host list's cache, the directory's heartbeat TTL and `lastSeenMs`. (Job records
   * keep `Date.now`: their times go to storage alarms, which run on the runtime's clock.)
   */
  now: () => number;
  log: Logger;
  metrics: WorkerMetrics;
  hosts: HostSet;
}

export interface IsolateContextOptions {
  now?: () => number;
  log?: Logger;
  /** [0, 1), placement's tie-break between equal hosts */
  random?: () => number;
}

export function createIsolateContext(options: IsolateContextOptions = {}): IsolateContext {
  const now = options.now ?? Date.now;
  return {
    now,
    log: options.log ?? createWorkerLogger(),
    metrics: createWorkerMetrics(),
    hosts: new HostSet({ now, ...(options.random ? { random: options.random } : {}) }),
  };
}

/** What running a job needs from the isolate (`emulator/dispatch.ts`, `jobs/run-job.ts`). */
export type JobDeps = Pick<IsolateContext, "hosts" | "metrics">;
