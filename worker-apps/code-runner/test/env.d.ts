import type { FakeCall, FakeScript } from "@edgevm/example-kit/testing/fake-vms";
import type { Env as AppEnv } from "../src/index.js";

/** The fake compute Worker's control entrypoint (vitest.project.ts). */
interface FakeControl {
  script(requestId: string, script: FakeScript): Promise<void>;
  calls(requestId: string): Promise<FakeCall[]>;
}

declare global {
  namespace Cloudflare {
    interface Env extends AppEnv {
      FAKE_VMS: FakeControl;
    }
    interface GlobalProps {
      mainModule: typeof import("../src/index.js");
    }
  }
}
