/**
 * The edgevm compute Worker (one per region). Module exports, a contract with `runtime/`:
 * - default: `{ fetch }`, the public HTTP API (Hono app)
 * - `VmService`: RPC entrypoint for user Workers (`env.VMS.run({...})`)
 * - `JobRecord`: SQLite-backed Durable Object, one per async job
 * - `HostDirectory`: Durable Object, one per region: the emulator hosts that joined it
 * All of them share one isolate context, created on first use (see worker.ts).
 */

import { createIsolateContext } from "./isolate.js";
import { createWorker } from "./worker.js";

export type { Env } from "./config/env.js";

const worker = createWorker(() => createIsolateContext());

export const VmService = worker.VmService;
export const JobRecord = worker.JobRecord;
export const HostDirectory = worker.HostDirectory;
export default worker.handler;
