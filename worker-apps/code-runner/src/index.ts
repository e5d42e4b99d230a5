/**
 * code-runner: runs `sh` and `awk` snippets in a fresh edgevm microVM per request, through the
 * compute Worker's `VmService` RPC entrypoint (binding `VMS`). See README.md.
 */

import { createApp } from "./app.js";
import type { Env } from "./env.js";

export type { Env } from "./env.js";

const app = createApp();

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
} satisfies ExportedHandler<Env>;
