import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveEmulatorConfig } from "@edgevm/emulator/config/resolve";
import { prepareImages } from "@edgevm/emulator/service";
import { describeDriverConformance } from "@edgevm/emulator/test/support/driver-conformance";
import { readHostTiming } from "@edgevm/emulator/vm/host-timing";
import { QemuDriver } from "@edgevm/emulator/vm/qemu/driver";
import { silentLogger } from "@edgevm/observability";

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
