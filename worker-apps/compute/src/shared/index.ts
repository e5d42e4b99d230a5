/**
 * The emulator-service modules the Worker reuses, in one place. Each of them uses Web APIs only
 * (fetch, Web Crypto, TextEncoder, zod): nothing here may pull a `node:` import into the bundle.
 */

export { errorResponse } from "../../../../emulator-service/src/api/error-response.js";
export {
  jobRequestSchema,
  parseJsonBody,
  toJobSpec,
} from "../../../../emulator-service/src/api/job-schema.js";
export { type ApiLimits, DEFAULT_LIMITS } from "../../../../emulator-service/src/api/limits.js";
export { readBodyWithLimit } from "../../../../emulator-service/src/api/raw-body.js";
export {
  fromHex,
  type SignedHeaders,
  signRequest,
  timingSafeEqual,
  toHex,
  verifyRequest,
} from "../../../../emulator-service/src/auth/index.js";
export {
  type JobRequest,
  parseSseBlock,
  type StreamEvent,
} from "../../../../emulator-service/src/client/index.js";
export {
  EdgevmError,
  ERROR_STATUS,
  type ErrorBody,
  type ErrorCode,
} from "../../../../emulator-service/src/errors/index.js";
export type {
  Capacity,
  JobResult,
  JobSpec,
  JobStatus,
} from "../../../../emulator-service/src/jobs/types.js";
export { createLogger, type Logger } from "../../../../emulator-service/src/log/logger.js";
export {
  HEARTBEAT_INTERVAL_MS,
  HEARTBEAT_PATH,
  type HeartbeatAck,
  HOST_TTL_MS,
  type HostHeartbeat,
  type HostLeave,
  hostHeartbeatSchema,
  hostLeaveSchema,
  LEAVE_PATH,
} from "../../../../emulator-service/src/membership/protocol.js";
export {
  PROMETHEUS_CONTENT_TYPE,
  Registry,
} from "../../../../emulator-service/src/metrics/index.js";
