/**
 * The edgevm front door (the local stand-in for anycast): one Worker in front of every region.
 * It sends each client to the nearest healthy region and fails over; see ../README.md.
 * Binding: `REGIONS` (text JSON `[{name, url, location: {lat, lon}, cidrs?}]`).
 */

import { createApp, type FrontDoorEnv } from "./app.js";

export type { FrontDoorEnv } from "./app.js";

const app = createApp({ fetch: (request) => fetch(request) });

export default {
  fetch: (request: Request, env: FrontDoorEnv, ctx: ExecutionContext) =>
    app.fetch(request, env, ctx),
};
