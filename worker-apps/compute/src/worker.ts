/**
 * The compute Worker's module exports, built over one isolate context: the HTTP handler (the Hono
 * app), the `VmService` RPC entrypoint and the two Durable Object classes. The context comes from
 * `makeContext`, called once, on first use (a request, an RPC call or a Durable Object starting):
 * never at import time. Everything this isolate serves then shares it, so `/metrics` counts the
 * async and RPC jobs too, and placement sees every job this isolate has in flight.
 *
 * `index.ts` builds the deployed Worker with `createIsolateContext()`; tests build their own.
 */

import { createApp } from "./app.js";
import type { Env } from "./config/env.js";
import { defineHostDirectory } from "./hosts/directory.js";
import type { IsolateContext } from "./isolate.js";
import { defineJobRecord } from "./jobs/job-record.js";
import { defineVmService } from "./rpc/vm-service.js";

export function createWorker(makeContext: () => IsolateContext) {
  let context: IsolateContext | undefined;
  const isolate = (): IsolateContext => {
    context ??= makeContext();
    return context;
  };
  let app: ReturnType<typeof createApp> | undefined;
  const handler = {
    fetch: (request, env, ctx) => {
      app ??= createApp(isolate());
      return app.fetch(request, env, ctx);
    },
  } satisfies ExportedHandler<Env>;
  return {
    handler,
    VmService: defineVmService(isolate),
    JobRecord: defineJobRecord(isolate),
    HostDirectory: defineHostDirectory(isolate),
  };
}
