import type { VmStart } from "@edgevm/contract";

/** Which accelerator QEMU uses: KVM where a probe guest really runs under it, TCG otherwise. */
export type Accel = "kvm" | "tcg";

/** One template exists per key: guests of the same image, memory and vCPU count share it. */
export interface TemplateKey {
  image: string;
  memoryMiB: number;
  vcpus: number;
}

export function templateKeyId(key: TemplateKey): string {
  return `${key.image}-${key.memoryMiB}m-${key.vcpus}c`;
}

/**
 * The life of one VM, owned by the driver (Firecracker style: explicit states, one owner).
 *
 *   spawning ─▶ incoming ─▶ restoring ─▶ running ─▶ stopped
 *   spawning ─▶ booting ──────────────▶ running ─▶ stopped
 */
export const VmState = {
  /** QEMU process starting, control sockets not yet connected */
  Spawning: "spawning",
  /** a clone waiting in `-incoming defer` for its template state (no guest CPU yet) */
  Incoming: "incoming",
  /** template state being loaded */
  Restoring: "restoring",
  /** kernel booting from scratch (templates and the cold-boot baseline) */
  Booting: "booting",
  /** guest agent reachable */
  Running: "running",
  /** process gone; every resource released */
  Stopped: "stopped",
} as const;
export type VmState = (typeof VmState)[keyof typeof VmState];

/** Why a VM's process ended. */
export interface VmExit {
  /** true when edgevm asked for it (destroy); false when QEMU or the guest died on its own */
  requested: boolean;
  code: number | null;
  signal: string | null;
  /** the last lines the guest printed on its console (panics show up here) */
  consoleTail: string;
}

/** A saved template: RAM file plus device state, with what it was built from. */
export interface TemplateSnapshot {
  key: TemplateKey;
  dir: string;
  ramPath: string;
  statePath: string;
  accel: Accel;
  imageHash: string;
  vmlinux: string;
  initrd: string;
  bootMs: number;
}

export type { VmStart };

/** What the driver needs of a built image (see images/). */
export interface BootImage {
  name: string;
  hash: string;
  vmlinux: string;
  initrd: string;
  kernelVersion: string;
}
