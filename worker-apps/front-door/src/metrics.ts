/**
 * The front door's Prometheus counters. `createFrontDoorMetrics` makes one set per app
 * (`createApp`), so they count per isolate: a restart resets them and several isolates each count
 * their own share. Tests get a fresh set with every app they create.
 */

import { type Counter, type Gauge, Registry } from "@edgevm/observability";

export interface FrontDoorMetrics {
  registry: Registry;
  /** `region`: the region that answered, or "none" when the front door answered itself */
  requestsTotal: Counter<"region" | "status">;
  /** `reason`: unreachable | unavailable | capacity */
  failoversTotal: Counter<"from" | "reason">;
  regionHealthy: Gauge<"region">;
}

export function createFrontDoorMetrics(): FrontDoorMetrics {
  const registry = new Registry();
  return {
    registry,
    requestsTotal: registry.counter<"region" | "status">({
      name: "edgevm_front_door_requests_total",
      help: "Requests answered through the front door, by region and status",
      labelNames: ["region", "status"],
    }),
    failoversTotal: registry.counter<"from" | "reason">({
      name: "edgevm_front_door_failovers_total",
      help: "Requests moved on from a region to the next one, by region and reason",
      labelNames: ["from", "reason"],
    }),
    regionHealthy: registry.gauge<"region">({
      name: "edgevm_front_door_region_healthy",
      help: "1 when this isolate considers the region healthy, else 0",
      labelNames: ["region"],
    }),
  };
}
