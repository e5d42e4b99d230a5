import type { Env as WorkerEnv } from "../src/index.js";
import type { VmService } from "../src/rpc/vm-service.js";

declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {
      /** the RPC entrypoint, bound as a user Worker would (vitest.config.ts) */
      VMS: Service<VmService>;
    }
    interface GlobalProps {
      mainModule: typeof import("../src/index.js");
      durableNamespaces: "JobRecord";
    }
  }
}
