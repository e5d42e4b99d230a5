/**
 * Every error edgevm reports has a stable code. This table is the one place where a code is
 * mapped to an HTTP status; the API layer reads it and nothing else decides a status.
 */
export const ERROR_STATUS = {
  INVALID_JSON: 400,
  INVALID_REQUEST: 400,
  UNKNOWN_IMAGE: 400,
  NETWORK_NOT_ALLOWED: 400,
  UNKNOWN_REGION: 400,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  PAYLOAD_TOO_LARGE: 413,
  QUEUE_FULL: 429,
  NO_CAPACITY: 503,
  SHUTTING_DOWN: 503,
  /** the region Worker could not reach its emulator host (network error or timeout) */
  EMULATOR_UNAVAILABLE: 503,
  /** the front door: a pinned region is down */
  REGION_UNAVAILABLE: 503,
  /** the front door: every candidate region failed */
  NO_REGION_AVAILABLE: 503,
  /** the front door: a region dropped the connection after a non-retryable request was sent */
  REGION_CONNECTION_LOST: 502,
  /**
   * the region Worker: the emulator host running a job stopped answering (it died or was cut off)
   * after the job started; the job may have partly run, its result is lost
   */
  HOST_LOST: 502,
  VM_CRASHED: 502,
  JOB_TIMEOUT: 504,
  IMAGE_BUILD_FAILED: 500,
  TEMPLATE_FAILED: 500,
  INVALID_CONFIG: 500,
  WORKERD_START_FAILED: 500,
  BUNDLE_FAILED: 500,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export function statusFor(code: ErrorCode): number {
  return ERROR_STATUS[code];
}
