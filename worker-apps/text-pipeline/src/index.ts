/**
 * text-pipeline: runs a pipeline of safe text tools (grep, sort, uniq, head, wc, tr, sed) over an
 * uploaded text file in a fresh edgevm microVM, through the compute Worker's `VmService` RPC
 * entrypoint (binding `VMS`). See README.md.
 */

import type { Env } from "@edgevm/example-kit/env";
import { createApp } from "./app.js";

export type { Env } from "@edgevm/example-kit/env";

const app = createApp();

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
} satisfies ExportedHandler<Env>;
