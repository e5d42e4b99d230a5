export { type SseMessage, SseParser } from "@edgevm/contract/sse";
export {
  type CallOptions,
  DEFAULT_URL,
  EdgevmClient,
  type EdgevmClientOptions,
  isFinal,
  type WaitOptions,
} from "./client.js";
export {
  EdgevmApiError,
  type EdgevmApiErrorInit,
  EdgevmError,
  EdgevmNetworkError,
  EdgevmTimeoutError,
} from "./errors.js";
export { parseRetryAfter } from "./http.js";
export type * from "./types.js";
