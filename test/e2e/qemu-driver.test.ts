import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveEmulatorConfig } from "../../emulator-service/src/config/resolve.js";
import { silentLogger } from "../../emulator-service/src/log/index.js";
import { prepareImages } from "../../emulator-service/src/service.js";
import { readHostTiming } from "../../emulator-service/src/vm/host-timing.js";
import { QemuDriver } from "../../emulator-service/src/vm/qemu/driver.js";
import { describeDriverConformance } from "../support/driver-conformance.js";

describeDriverConformance("qemu (tcg)", async () => {
  const config = resolveEmulatorConfig({}, process.env);
  const image = (await prepareImages(config.stateDir, silentLogger())).get("base");
  if (!image) throw new Error("no base image");
  const runDir = mkdtempSync(join(tmpdir(), "edgevm-conf-run-"));
  return {
    driver: new QemuDriver({ runDir, accel: "tcg", timing: readHostTiming(image.kernelVersion) }),
    image,
    cleanup: () => rmSync(runDir, { recursive: true, force: true }),
  };
});
