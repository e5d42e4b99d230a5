/**
 * The edgevm front door (the local stand-in for anycast): one Worker in front of every region.
 * It sends each client to the nearest healthy region and fails over; see ../README.md.
 * Binding: `REGIONS` (text JSON `[{name, url, location: {lat, lon}, cidrs?}]`).
 *
 * The app (and with it this isolate's region health and metrics) is made on the first request,
 * not at import time, and kept for the isolate's life.
 */

import { createApp, type FrontDoorEnv } from "./app.js";

export type { FrontDoorEnv } from "./app.js";

let app: ReturnType<typeof createApp> | undefined;

export default {
  fetch: (request: Request, env: FrontDoorEnv, ctx: ExecutionContext) => {
    app ??= createApp({ fetch: (upstream) => fetch(upstream) });
    return app.fetch(request, env, ctx);
  },
};
