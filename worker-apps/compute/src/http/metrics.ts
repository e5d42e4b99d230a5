/**
 * The Worker's own Prometheus counters. `createWorkerMetrics` makes one set per isolate context
 * (`isolate.ts`), so they count per isolate: workerd may run several isolates (and restarts reset
 * them). That is acceptable for a local edge whose dashboards sum over scrapes; a production
 * deployment would use Workers Analytics Engine. Tests make their own set.
 */

import { type Counter, Registry } from "../shared/index.js";

export interface WorkerMetrics {
  registry: Registry;
  httpRequestsTotal: Counter<"route" | "status">;
  /** `mode`: wait | stream | async | rpc_run | rpc_stream; `status`: the emulator's HTTP status, or "error" */
  jobsForwardedTotal: Counter<"mode" | "status">;
  /** `outcome`: started | full (429/503) | unreachable | rejected (the job's own error) */
  hostTriesTotal: Counter<"outcome">;
  /** `mode` as in jobs_forwarded; `retried`: "true" when an async job was sent to another host */
  jobsHostLostTotal: Counter<"mode" | "retried">;
}

export function createWorkerMetrics(): WorkerMetrics {
  const registry = new Registry();
  return {
    registry,
    httpRequestsTotal: registry.counter<"route" | "status">({
      name: "edgevm_worker_http_requests_total",
      help: "HTTP requests answered by the compute Worker, by route and status",
      labelNames: ["route", "status"],
    }),
    jobsForwardedTotal: registry.counter<"mode" | "status">({
      name: "edgevm_worker_jobs_forwarded_total",
      help: "Jobs forwarded to the emulator host, by mode and emulator response status",
      labelNames: ["mode", "status"],
    }),
    hostTriesTotal: registry.counter<"outcome">({
      name: "edgevm_worker_host_tries_total",
      help: "Attempts to start a job on one of the region's emulator hosts, by outcome",
      labelNames: ["outcome"],
    }),
    jobsHostLostTotal: registry.counter<"mode" | "retried">({
      name: "edgevm_worker_jobs_host_lost_total",
      help: "Jobs whose emulator host stopped answering after the job started",
      labelNames: ["mode", "retried"],
    }),
  };
}

const ROUTES: ReadonlyArray<[RegExp, string]> = [
  [/^\/healthz$/, "/healthz"],
  [/^\/metrics$/, "/metrics"],
  [/^\/v1\/jobs$/, "/v1/jobs"],
  [/^\/v1\/jobs\/[^/]+$/, "/v1/jobs/:id"],
  [/^\/v1\/regions$/, "/v1/regions"],
  [/^\/v1\/images$/, "/v1/images"],
  [/^\/internal\/hosts\/heartbeat$/, "/internal/hosts/heartbeat"],
  [/^\/internal\/hosts\/leave$/, "/internal/hosts/leave"],
];

/** A bounded `route` label: known routes by pattern, anything else "unmatched". */
export function routeLabel(path: string): string {
  for (const [pattern, label] of ROUTES) if (pattern.test(path)) return label;
  return "unmatched";
}
