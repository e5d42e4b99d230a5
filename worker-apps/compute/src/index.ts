/**
 * The edgevm compute Worker (one per region). Module exports, a contract with `runtime/`:
 * - default: `{ fetch }`, the public HTTP API (Hono app)
 * - `VmService`: RPC entrypoint for user Workers (`env.VMS.run({...})`)
 * - `JobRecord`: SQLite-backed Durable Object, one per async job
 * - `HostDirectory`: Durable Object, one per region: the emulator hosts that joined it
 */

import { createApp } from "./app.js";
import type { Env } from "./config/env.js";

export type { Env } from "./config/env.js";
export { HostDirectory } from "./hosts/directory.js";
export { JobRecord } from "./jobs/job-record.js";
export { VmService } from "./rpc/vm-service.js";

const app = createApp();

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
} satisfies ExportedHandler<Env>;
