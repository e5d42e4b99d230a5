import { accessSync, constants, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "@edgevm/observability";
import type { HostTiming } from "./host-timing.js";
import { QemuDriver } from "./qemu/driver.js";
import type { Accel, BootImage } from "./types.js";

/**
 * A guest under working KVM answers in well under a second. Where /dev/kvm exists but no vCPU
 * runs (nested virtualisation not offered), the probe guest never answers; this bounds the wait.
 */
export const KVM_PROBE_TIMEOUT_MS = 4_000;
/** Memory of the probe guest, MiB: the stock kernel needs at least 88. */
const PROBE_MEMORY_MIB = 128;

export interface AccelChoice {
  accel: Accel;
  reason: string;
}

function bootId(): string {
  try {
    return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
  } catch {
    return "unknown";
  }
}

/**
 * Chooses the accelerator. `auto` uses KVM only when a probe guest really boots under it within
 * KVM_PROBE_TIMEOUT_MS; the answer is cached per host boot in `stateDir`.
 */
export async function chooseAccel(options: {
  preference: "auto" | Accel;
  image: BootImage;
  runDir: string;
  stateDir: string;
  timing: HostTiming;
  logger: Logger;
}): Promise<AccelChoice> {
  if (options.preference !== "auto") return { accel: options.preference, reason: "configured" };
  try {
    accessSync("/dev/kvm", constants.R_OK | constants.W_OK);
  } catch {
    return { accel: "tcg", reason: "/dev/kvm is not available" };
  }
  const cacheFile = join(options.stateDir, "accel-probe.json");
  const boot = bootId();
  try {
    const cached = JSON.parse(readFileSync(cacheFile, "utf8")) as AccelChoice & {
      bootId: string;
      image: string;
    };
    if (cached.bootId === boot && cached.image === options.image.hash)
      return { accel: cached.accel, reason: `${cached.reason} (cached)` };
  } catch {
    // no cached probe
  }
  const driver = new QemuDriver({ runDir: options.runDir, accel: "kvm", timing: options.timing });
  let choice: AccelChoice;
  const started = performance.now();
  try {
    const vm = await driver.bootCold(
      { image: options.image.name, memoryMiB: PROBE_MEMORY_MIB, vcpus: 1 },
      options.image,
      { accel: "kvm", timeoutMs: KVM_PROBE_TIMEOUT_MS },
    );
    await vm.destroy();
    choice = {
      accel: "kvm",
      reason: `a KVM probe guest booted in ${Math.round(performance.now() - started)} ms`,
    };
  } catch (err) {
    choice = {
      accel: "tcg",
      reason: `/dev/kvm exists but a probe guest did not boot under it: ${(err as Error).message.slice(0, 200)}`,
    };
  }
  options.logger.info("accelerator chosen", { ...choice });
  writeFileSync(cacheFile, JSON.stringify({ ...choice, bootId: boot, image: options.image.hash }));
  return choice;
}
