import type { Logger } from "@edgevm/observability";

/** Per-request values set by the API middleware. */
export interface ApiEnv {
  Variables: {
    requestId: string;
    /** the request logger, bound to `requestId` */
    log: Logger;
    /** the raw request body under `/v1` (read once, with the size cap) */
    rawBody: Uint8Array;
  };
}
