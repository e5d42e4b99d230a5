export {
  type ApiLimits,
  DEFAULT_LIMITS,
  errorResponse,
  jobRequestSchema,
  parseJsonBody,
  publicError,
  type RequestIssue,
  resolveLimits,
  toJobSpec,
} from "@edgevm/contract";
export { createEmulatorApp, type EmulatorAppOptions } from "./app.js";
export type { ApiEnv } from "./env.js";
export { type FetchApp, type RunningServer, type ServeOptions, serve } from "./serve.js";
