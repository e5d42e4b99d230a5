import { createLogger, type Logger } from "../shared/index.js";

/**
 * The Worker's structured logger: one JSON object per console.log call, which workerd and
 * `wrangler dev` print as is (and `wrangler tail` carries in production).
 */
export const rootLogger: Logger = createLogger({
  level: "info",
  fields: { service: "compute-worker" },
  sink: (line) => console.log(line),
});
