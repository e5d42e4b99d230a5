import type { ErrorCode } from "./codes.js";
import type { ErrorBody } from "./schema.js";

/** An error with a stable code; `retryAfterS` is sent as `Retry-After` for 429/503. */
export class EdgevmError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;
  readonly retryAfterS: number | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { details?: unknown; retryAfterS?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "EdgevmError";
    this.code = code;
    this.details = options.details;
    this.retryAfterS = options.retryAfterS;
  }

  toBody(): ErrorBody {
    const error: ErrorBody["error"] = { code: this.code, message: this.message };
    if (this.details !== undefined) error.details = this.details;
    return { error };
  }
}

/** Wraps anything thrown into an EdgevmError (unknown failures become INTERNAL). */
export function toEdgevmError(err: unknown): EdgevmError {
  if (err instanceof EdgevmError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new EdgevmError("INTERNAL", message, { cause: err });
}
