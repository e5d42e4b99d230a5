/** Every error the client throws extends `EdgevmError`. */
export class EdgevmError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "EdgevmError";
  }
}

export interface EdgevmApiErrorInit {
  status: number;
  code: string;
  message: string;
  details?: unknown;
  retryAfterMs?: number | null;
  requestId?: string | null;
}

/** The service answered with a non-2xx status (`{"error":{"code","message"}}`). */
export class EdgevmApiError extends EdgevmError {
  readonly status: number;
  /** stable error code, e.g. `INVALID_REQUEST`, `QUEUE_FULL`; `HTTP_ERROR` for a non-JSON answer */
  readonly code: string;
  readonly details: unknown;
  /** from `Retry-After` (429/503), in milliseconds; null when absent */
  readonly retryAfterMs: number | null;
  /** the request id the server logged (`x-request-id`), for support */
  readonly requestId: string | null;

  constructor(init: EdgevmApiErrorInit) {
    super(`${init.status} ${init.code}: ${init.message}`);
    this.name = "EdgevmApiError";
    this.status = init.status;
    this.code = init.code;
    this.details = init.details;
    this.retryAfterMs = init.retryAfterMs ?? null;
    this.requestId = init.requestId ?? null;
  }
}

/** The service could not be reached, or the connection broke before a complete answer. */
export class EdgevmNetworkError extends EdgevmError {
  readonly requestId: string | null;

  constructor(message: string, options: { cause?: unknown; requestId?: string | null } = {}) {
    super(message, { cause: options.cause });
    this.name = "EdgevmNetworkError";
    this.requestId = options.requestId ?? null;
  }
}

/** `wait()` gave up before the job finished (the job itself keeps running). */
export class EdgevmTimeoutError extends EdgevmError {
  readonly jobId: string;

  constructor(jobId: string, timeoutMs: number) {
    super(`job ${jobId} did not finish within ${timeoutMs} ms`);
    this.name = "EdgevmTimeoutError";
    this.jobId = jobId;
  }
}
