import type { Env } from "../config/env.js";
import type { IsolateContext } from "../isolate.js";
import type { Logger } from "../shared/index.js";

/** Hono's environment for the compute Worker: the bindings plus per-request values. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    /** this isolate's shared state (host set, metrics, logger, clock); set first, on every route */
    isolate: IsolateContext;
    requestId: string;
    /** a logger bound to `requestId` (JSON lines through console.log) */
    log: Logger;
    /** the API key's tenant; set by the auth middleware on every `/v1` route */
    tenant: string;
  };
}
