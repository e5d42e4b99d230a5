import type { Accel } from "../types.js";

/**
 * Pure builders for QEMU microvm command lines. Everything here is data in, argv out, so the
 * exact flags (measured: docs/FACTS.md) are unit-tested without starting QEMU.
 */

/** Name of the virtio-serial port the guest agent opens (docs/PROTOCOL.md). */
export const AGENT_PORT_NAME = "edgevm.0";

/** Where the guest RAM lives. Templates and clones need a file; the cold-boot baseline does not. */
export type GuestMemory =
  | { kind: "anonymous" }
  /** shared: the template writes its RAM into the file; private: a clone maps it copy-on-write */
  | { kind: "file"; path: string; shared: boolean };

export interface QemuLaunchSpec {
  /** identifies the process as ours when reaping leftovers (`-name edgevm:<vmId>`) */
  vmId: string;
  accel: Accel;
  memoryMiB: number;
  vcpus: number;
  /**
   * What to boot. Clones leave it out: their kernel is already in the template RAM, and not
   * loading a 66 MB vmlinux saves each clone's QEMU the read, the copy and the memory.
   */
  boot: { kernel: string; initrd: string; cmdline: string } | undefined;
  memory: GuestMemory;
  /** QEMU connects to these unix sockets, which the service listens on before spawning */
  qmpSocket: string;
  agentSocket: string;
  pidFile: string;
  /** the state will be streamed in later with `migrate-incoming` (clones) */
  incoming: boolean;
  /** the VM may be saved (templates) or restored (clones): keep migration state minimal */
  migratable: boolean;
}

/** Kernel initcalls a job VM does not need, skipped at boot (see buildKernelCmdline). */
export const SKIPPED_INITCALLS = [
  "crypto_kdf108_init",
  "init_kprobe_trace",
  "init_encrypted",
  "init_trace_printk_function_export",
  "ksm_init",
  "perf_event_sysfs_init",
];

export interface KernelCmdlineOptions {
  /** host TSC frequency; `tsc_early_khz` is what stops the boot hangs seen under TCG */
  tscKhz: number | undefined;
  /** loops_per_jiffy, skips the delay-loop calibration */
  lpj: number | undefined;
  extra?: string[];
}

/** Kernel command line for a fast, quiet boot of the stock Debian kernel (docs/FACTS.md). */
export function buildKernelCmdline(options: KernelCmdlineOptions): string {
  const parts = [
    "console=ttyS0",
    "quiet",
    "loglevel=1",
    // a panic reboots at once, and -no-reboot turns that into a QEMU exit the service sees
    "panic=-1",
    // reboot by triple fault: microvm has no keyboard controller, and -no-reboot makes it an exit
    "reboot=t",
    "pci=off",
    "tsc=reliable",
    "no_timer_check",
    "mitigations=off",
    "nokaslr",
    "cryptomgr.notests=1",
    "init_on_alloc=0",
    "random.trust_cpu=on",
    "rdinit=/init",
    // Measured with initcall_debug under TCG: these cost ~0.4 s of a ~1.7 s boot and a job VM
    // needs none of them (no IPv6, no audit, no kprobes/tracing, no KSM, no kernel W^X re-check:
    // the guest kernel is isolated by the VM boundary, not by its own page protections).
    `initcall_blacklist=${SKIPPED_INITCALLS.join(",")}`,
    "audit=0",
    "ipv6.disable=1",
    "rodata=off",
    "nowatchdog",
  ];
  if (options.tscKhz !== undefined) parts.push(`tsc_early_khz=${options.tscKhz}`);
  if (options.lpj !== undefined) parts.push(`lpj=${options.lpj}`);
  parts.push(...(options.extra ?? []));
  return parts.join(" ");
}

function memoryArgs(spec: QemuLaunchSpec): string[] {
  const size = `${spec.memoryMiB}M`;
  if (spec.memory.kind === "anonymous") return ["-m", size];
  const share = spec.memory.shared ? "on" : "off";
  return [
    "-m",
    size,
    "-object",
    `memory-backend-file,id=mem,size=${size},mem-path=${spec.memory.path},share=${share}`,
    "-machine",
    "memory-backend=mem",
  ];
}

function accelArgs(accel: Accel): string[] {
  if (accel === "kvm") return ["-accel", "kvm", "-cpu", "host"];
  // +arat: an always-running APIC timer lets idle guests sleep (~0.5 % of a core instead of ~4.5 %)
  return ["-accel", "tcg", "-cpu", "qemu64,+arat"];
}

/** The full argv (without the binary) for one VM. */
export function buildQemuArgs(spec: QemuLaunchSpec): string[] {
  const args = [
    "-name",
    `edgevm:${spec.vmId}`,
    "-M",
    "microvm,rtc=on",
    ...accelArgs(spec.accel),
    "-smp",
    String(spec.vcpus),
    ...memoryArgs(spec),
    "-nodefaults",
    "-no-user-config",
    "-display",
    "none",
    "-no-reboot",
    // no network device at all: a guest reaches nothing unless a later feature adds one
    "-nic",
    "none",
    ...(spec.boot
      ? ["-kernel", spec.boot.kernel, "-initrd", spec.boot.initrd, "-append", spec.boot.cmdline]
      : []),
    // the guest console goes to QEMU's stdout, which the service keeps the tail of
    "-chardev",
    "stdio,id=con,signal=off",
    "-serial",
    "chardev:con",
    "-chardev",
    `socket,id=qmp,path=${spec.qmpSocket}`,
    "-mon",
    "chardev=qmp,mode=control",
    "-device",
    "virtio-serial-device",
    "-chardev",
    `socket,id=agent,path=${spec.agentSocket}`,
    "-device",
    `virtserialport,chardev=agent,name=${AGENT_PORT_NAME}`,
    "-pidfile",
    spec.pidFile,
  ];
  if (spec.migratable) args.push("-global", "migration.store-global-state=off");
  if (spec.incoming) args.push("-incoming", "defer");
  return args;
}
