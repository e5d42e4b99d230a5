import { readFileSync } from "node:fs";

/** Fallback kernel tick rate when /boot/config-* cannot be read (Debian's amd64 kernels use 250). */
const DEFAULT_KERNEL_HZ = 250;

export interface HostTiming {
  /** host TSC frequency in kHz, passed as `tsc_early_khz` */
  tscKhz: number | undefined;
  /** loops_per_jiffy for the guest kernel, skips its delay-loop calibration */
  lpj: number | undefined;
}

/** Pure: TSC kHz from /proc/cpuinfo text, and lpj for a kernel with the given HZ. */
export function parseHostTiming(cpuinfo: string, kernelHz: number): HostTiming {
  const match = /^cpu MHz\s*:\s*([0-9.]+)/m.exec(cpuinfo);
  if (!match?.[1]) return { tscKhz: undefined, lpj: undefined };
  const tscKhz = Math.round(Number.parseFloat(match[1]) * 1000);
  if (!Number.isFinite(tscKhz) || tscKhz <= 0) return { tscKhz: undefined, lpj: undefined };
  return { tscKhz, lpj: Math.round((tscKhz * 1000) / kernelHz) };
}

/** Pure: CONFIG_HZ from a kernel config text. */
export function parseKernelHz(config: string): number {
  const match = /^CONFIG_HZ=(\d+)$/m.exec(config);
  return match?.[1] ? Number.parseInt(match[1], 10) : DEFAULT_KERNEL_HZ;
}

export function readHostTiming(kernelVersion: string): HostTiming {
  let hz = DEFAULT_KERNEL_HZ;
  try {
    hz = parseKernelHz(readFileSync(`/boot/config-${kernelVersion}`, "utf8"));
  } catch {
    // no config file: keep the Debian default
  }
  try {
    return parseHostTiming(readFileSync("/proc/cpuinfo", "utf8"), hz);
  } catch {
    return { tscKhz: undefined, lpj: undefined };
  }
}
