/**
 * The one place that turns anything thrown into an HTTP error response. The status comes only from
 * `ERROR_STATUS`; unknown errors become a generic 500 INTERNAL and are logged with their stack.
 */

import { ERROR_STATUS } from "./codes.js";
import { EdgevmError } from "./edgevm-error.js";
import type { ErrorBody } from "./schema.js";

/** What error reporting needs of a logger (any structured logger fits). */
export interface ErrorLog {
  error(message: string, fields?: Record<string, unknown>): void;
}

const GENERIC_INTERNAL_MESSAGE = "internal error";

/**
 * What a client may see of an error: EdgevmErrors as they are, anything else as a generic INTERNAL
 * (the original is kept as `cause` for the log, never sent). Logs 5xx errors with their stack.
 */
export function publicError(err: unknown, log: ErrorLog): EdgevmError {
  if (!(err instanceof EdgevmError)) {
    log.error("unhandled error", { err });
    return new EdgevmError("INTERNAL", GENERIC_INTERNAL_MESSAGE, { cause: err });
  }
  if (ERROR_STATUS[err.code] >= 500) log.error("request failed", { code: err.code, err });
  return err;
}

/** The JSON error response (`{error:{code,message,details?}}`, status, Retry-After) for `err`. */
export function errorResponse(
  err: unknown,
  log: ErrorLog,
  headers: Record<string, string> = {},
): Response {
  const error = publicError(err, log);
  const status = ERROR_STATUS[error.code];
  const body: ErrorBody = error.toBody();
  const out = new Headers({ "content-type": "application/json; charset=utf-8", ...headers });
  if (error.retryAfterS !== undefined) {
    out.set("retry-after", String(Math.max(0, Math.ceil(error.retryAfterS))));
  }
  return new Response(JSON.stringify(body), { status, headers: out });
}
