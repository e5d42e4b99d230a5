import { createLogger, type Logger } from "../shared/index.js";

/**
 * The Worker's structured logger: one JSON object per console.log call, which workerd and
 * `wrangler dev` print as is (and `wrangler tail` carries in production). One per isolate context
 * (`isolate.ts`); request handlers use its child bound to the request id (`c.var.log`).
 */
export function createWorkerLogger(): Logger {
  return createLogger({
    level: "info",
    fields: { service: "compute-worker" },
    sink: (line) => console.log(line),
  });
}
