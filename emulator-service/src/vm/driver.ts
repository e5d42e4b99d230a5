import type { AgentChannel } from "../protocol/index.js";
import type {
  Accel,
  BootImage,
  TemplateKey,
  TemplateSnapshot,
  VmExit,
  VmStart,
  VmState,
} from "./types.js";

/**
 * One VM as the engine sees it, whichever driver made it. Its state only moves forward
 * (see VmState); `exited` resolves exactly once, whoever ended it.
 */
export interface Vm {
  readonly id: string;
  readonly state: VmState;
  readonly memoryMiB: number;
  readonly agent: AgentChannel;
  readonly exited: Promise<VmExit>;
  /** host process id, while there is one */
  readonly pid: number | undefined;
  /** loads the template state and sends INIT (clock + entropy): incoming → running */
  restore(): Promise<void>;
  /** runs the warm-up command so a job's first exec is fast */
  warmUp(): Promise<void>;
  /** ends the VM at once; idempotent; resolves with its exit */
  destroy(): Promise<VmExit>;
}

export interface BootOptions {
  accel?: Accel;
  timeoutMs?: number;
  /** boot another kernel than the image's (the benchmark's naive baseline) */
  kernel?: string;
  /** another kernel command line (the benchmark's naive baseline) */
  cmdline?: string;
}

/**
 * What starts VMs. One implementation per folder (`qemu/`); every implementation passes the
 * conformance suite in `test/support/driver-conformance.ts`.
 */
export interface VmDriver<V extends Vm = Vm> {
  readonly name: string;
  readonly accel: Accel;
  /**
   * What templates depend on besides their key and image (QEMU version, kernel command line):
   * a template saved under another fingerprint is stale and rebuilt.
   */
  readonly fingerprint: string;
  /** boots the image, warms it and saves it into `dir` for cloning */
  bootTemplate(key: TemplateKey, image: BootImage, dir: string): Promise<TemplateSnapshot>;
  /** a clone of `template` in state `incoming`, not yet running any guest code */
  spawnClone(template: TemplateSnapshot): Promise<V>;
  /** boots a VM from the kernel, no template (state `running` when it resolves) */
  bootCold(key: TemplateKey, image: BootImage, options?: BootOptions): Promise<V>;
}

export type { VmStart };
