/** The emulator service's metrics, declared in one place. */

import type { Counter, Gauge, Histogram } from "@edgevm/observability";
import { Registry } from "@edgevm/observability";

/** VM acquisition: a warm pool hit is ~1 ms, a restore tens of ms, a cold boot seconds. */
export const VM_START_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
] as const;
/** Whole jobs: from an echo (tens of ms) to the maximum timeout (600 s). */
export const JOB_DURATION_BUCKETS = [
  0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600,
] as const;
/** Template boots under TCG take ~1.6 s tuned and ~7.4 s naive. */
export const TEMPLATE_BOOT_BUCKETS = [0.5, 1, 1.5, 2, 3, 5, 7.5, 10, 15, 20, 30, 60, 120] as const;

export interface EmulatorMetrics {
  readonly registry: Registry;
  /** Time to obtain a running VM, by `source` = warm | restore | boot. */
  readonly vmStartSeconds: Histogram<"source">;
  /** Finished jobs by `status` (succeeded | failed | timeout | crashed | error). */
  readonly jobsTotal: Counter<"status">;
  readonly jobsInFlight: Gauge;
  readonly jobDurationSeconds: Histogram;
  /** VMs held by the pool, by `image` and `state` = warm | spawned. */
  readonly poolVms: Gauge<"image" | "state">;
  /** The autoscaler's current targets, by `image` and `state` = warm | spawned. */
  readonly poolTarget: Gauge<"image" | "state">;
  /** Acquisitions per second the autoscaler sees (EWMA), by `image`. */
  readonly poolArrivalRate: Gauge<"image">;
  readonly queueLength: Gauge;
  /** HTTP requests by matched `route` and response `status`. */
  readonly httpRequestsTotal: Counter<"route" | "status">;
  readonly templateBootSeconds: Histogram;
}

export function createEmulatorMetrics(registry: Registry = new Registry()): EmulatorMetrics {
  return {
    registry,
    vmStartSeconds: registry.histogram({
      name: "edgevm_vm_start_seconds",
      help: "Time to obtain a running VM for a job, by source (warm pool, snapshot restore, boot).",
      labelNames: ["source"],
      buckets: VM_START_BUCKETS,
    }),
    jobsTotal: registry.counter({
      name: "edgevm_jobs_total",
      help: "Jobs finished, by result status.",
      labelNames: ["status"],
    }),
    jobsInFlight: registry.gauge({
      name: "edgevm_jobs_in_flight",
      help: "Jobs currently queued or running on this host.",
    }),
    jobDurationSeconds: registry.histogram({
      name: "edgevm_job_duration_seconds",
      help: "Total job time from request to result.",
      buckets: JOB_DURATION_BUCKETS,
    }),
    poolVms: registry.gauge({
      name: "edgevm_pool_vms",
      help: "VMs held by the pool, by image and state (warm = restored and idle, spawned = waiting for restore).",
      labelNames: ["image", "state"],
    }),
    poolTarget: registry.gauge({
      name: "edgevm_pool_target",
      help: "VMs the autoscaler wants the pool to hold, by image and state (warm, spawned).",
      labelNames: ["image", "state"],
    }),
    poolArrivalRate: registry.gauge({
      name: "edgevm_pool_arrival_rate",
      help: "Jobs per second taking a VM from the pool (exponentially weighted), by image.",
      labelNames: ["image"],
    }),
    queueLength: registry.gauge({
      name: "edgevm_queue_length",
      help: "Jobs waiting for a free slot.",
    }),
    httpRequestsTotal: registry.counter({
      name: "edgevm_http_requests_total",
      help: "HTTP requests served, by route and status code.",
      labelNames: ["route", "status"],
    }),
    templateBootSeconds: registry.histogram({
      name: "edgevm_template_boot_seconds",
      help: "Time to boot an image's template VM and snapshot it.",
      buckets: TEMPLATE_BOOT_BUCKETS,
    }),
  };
}
