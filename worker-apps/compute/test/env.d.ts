import type { Env as WorkerEnv } from "../src/index.js";
import type { VmService } from "../src/rpc/vm-service.js";

declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {
      /** the RPC entrypoint, bound as a user Worker would (vitest.config.ts) */
      VMS: Service<VmService>;
      /** fake hosts `host-a` / `host-b` listening on real ports (vitest.config.ts) */
      FAKE_HOST_A_URL: string;
      FAKE_HOST_B_URL: string;
    }
    interface GlobalProps {
      mainModule: typeof import("./main.js");
      durableNamespaces: "JobRecord" | "HostDirectory";
    }
  }
}
