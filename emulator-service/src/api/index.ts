export { createEmulatorApp, type EmulatorAppOptions, type ImageInfo } from "./app.js";
export type { ApiEnv } from "./env.js";
export { errorResponse, publicError } from "./error-response.js";
export { jobRequestSchema, parseJsonBody, type RequestIssue, toJobSpec } from "./job-schema.js";
export { type ApiLimits, DEFAULT_LIMITS, resolveLimits } from "./limits.js";
export { pickRequestId, REQUEST_ID_HEADER } from "./request-context.js";
export { type FetchApp, type RunningServer, type ServeOptions, serve } from "./serve.js";
