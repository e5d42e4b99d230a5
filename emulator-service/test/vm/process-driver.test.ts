import { compileAgent, HAVE_GCC } from "../protocol/agent-harness.js";
import { describeDriverConformance } from "../support/driver-conformance.js";
import { ProcessDriver } from "../support/process-driver.js";

if (HAVE_GCC) {
  describeDriverConformance("process (host agent, test double)", async () => {
    const build = compileAgent();
    return {
      driver: new ProcessDriver(build.binary),
      image: { name: "base", hash: "process", vmlinux: "", initrd: "", kernelVersion: "" },
      cleanup: build.dispose,
    };
  });
}
