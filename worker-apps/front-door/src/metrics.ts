/**
 * The front door's Prometheus counters, per isolate (module scope): a restart resets them and
 * several isolates each count their own share.
 */

import { Registry } from "@edgevm/observability";

export const registry = new Registry();

/** `region`: the region that answered, or "none" when the front door answered itself */
export const requestsTotal = registry.counter<"region" | "status">({
  name: "edgevm_front_door_requests_total",
  help: "Requests answered through the front door, by region and status",
  labelNames: ["region", "status"],
});

/** `reason`: unreachable | unavailable | capacity */
export const failoversTotal = registry.counter<"from" | "reason">({
  name: "edgevm_front_door_failovers_total",
  help: "Requests moved on from a region to the next one, by region and reason",
  labelNames: ["from", "reason"],
});

export const regionHealthy = registry.gauge<"region">({
  name: "edgevm_front_door_region_healthy",
  help: "1 when this isolate considers the region healthy, else 0",
  labelNames: ["region"],
});
