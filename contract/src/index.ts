/**
 * The edgevm contract: every type that crosses a process boundary, defined once as a zod schema
 * with its TypeScript type inferred from it. The host, the region Workers, the front door, the CLI,
 * the benchmarks and the typed client all take their wire types from here.
 *
 *   public API   jobs (request, result, stream events, async records), regions, images, health,
 *                errors — with room for sandboxes, files and usage
 *   host API     the same jobs, capacity, signed requests
 *   membership   host ↔ region directory heartbeats
 *
 * Web APIs and zod only: this package runs in Node, in workerd and in browsers.
 */

export * from "./bindings.js";
export {
  type Accelerator,
  acceleratorSchema,
  type Capacity,
  capacitySchema,
  hostIdSchema,
  type ImageCapacity,
  imageCapacitySchema,
} from "./capacity.js";
export { type Cidr, cidrContains, type IpAddress, parseCidr, parseIp } from "./cidr.js";
export * from "./errors/index.js";
export { type Health, healthSchema } from "./health.js";
export { EmulatorApiError, EmulatorClient } from "./host-client.js";
export { readBodyWithLimit } from "./http/raw-body.js";
export { pickRequestId, REQUEST_ID_HEADER } from "./http/request-id.js";
export { type ImageInfo, imageInfoSchema, imageListSchema } from "./images.js";
export * from "./jobs/async.js";
export * from "./jobs/events.js";
export { isJobId, newJobId } from "./jobs/ids.js";
export * from "./jobs/request.js";
export * from "./jobs/result.js";
export { type ApiLimits, DEFAULT_LIMITS, resolveLimits } from "./limits.js";
export * from "./membership.js";
export * from "./regions.js";
export * from "./signing/index.js";
export { formatSse, readSse, type SseMessage, SseParser } from "./sse.js";
export { type FlattenOptions, type FlatZodIssue, flattenZodIssues } from "./zod-issues.js";
