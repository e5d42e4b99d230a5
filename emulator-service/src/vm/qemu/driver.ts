import { closeSync, mkdirSync, openSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { BootOptions, VmDriver } from "../driver.js";
import { initGuest, newVmId, withTimeout } from "../guest.js";
import type { HostTiming } from "../host-timing.js";
import {
  type Accel,
  type BootImage,
  type TemplateKey,
  type TemplateSnapshot,
  templateKeyId,
  VmState,
} from "../types.js";
import { buildKernelCmdline, type GuestMemory, type QemuLaunchSpec } from "./args.js";
import { launchQemu, qemuVersion } from "./launch.js";
import { QemuVm } from "./vm.js";

/**
 * A template boot under TCG takes ~1.5 s; past this the boot hung (~1 in 5 without
 * tsc_early_khz: docs/FACTS.md).
 */
export const BOOT_TIMEOUT_MS = 30_000;
/**
 * Set on both ends of a template save/restore: RAM in a shared file is skipped (it stays in the
 * file), and MIGRATION events tell when the transfer is done (no polling).
 */
const MIGRATION_CAPABILITIES = {
  capabilities: [
    { capability: "x-ignore-shared", state: true },
    { capability: "events", state: true },
  ],
};
/** Saving a template writes ~60 KB of device state (RAM stays in its file). */
const SAVE_TIMEOUT_MS = 20_000;

export interface QemuDriverOptions {
  /** sockets and pid files of running VMs; reaped at start-up */
  runDir: string;
  accel: Accel;
  timing: HostTiming;
}

/**
 * Starts QEMU microVMs three ways: a template boot that is saved for cloning, a clone that
 * waits for that saved state, and a cold boot (the naive baseline the benchmark compares to).
 */
export class QemuDriver implements VmDriver<QemuVm> {
  readonly name = "qemu";
  readonly accel: Accel;
  private readonly runDir: string;
  private readonly timing: HostTiming;

  /** QEMU version, accelerator and kernel command line: what a saved template depends on */
  get fingerprint(): string {
    return JSON.stringify({
      qemu: qemuVersion(),
      accel: this.accel,
      cmdline: buildKernelCmdline(this.timing),
    });
  }

  constructor(options: QemuDriverOptions) {
    this.accel = options.accel;
    this.runDir = options.runDir;
    this.timing = options.timing;
    mkdirSync(this.runDir, { recursive: true });
  }

  private spec(
    id: string,
    key: TemplateKey,
    image: BootImage,
    memory: GuestMemory,
    mode: { incoming: boolean; migratable: boolean; accel?: Accel },
  ): QemuLaunchSpec {
    return {
      vmId: id,
      accel: mode.accel ?? this.accel,
      memoryMiB: key.memoryMiB,
      vcpus: key.vcpus,
      boot: mode.incoming
        ? undefined
        : { kernel: image.vmlinux, initrd: image.initrd, cmdline: buildKernelCmdline(this.timing) },
      memory,
      qmpSocket: join(this.runDir, `${id}.qmp`),
      agentSocket: join(this.runDir, `${id}.agent`),
      pidFile: join(this.runDir, `${id}.pid`),
      incoming: mode.incoming,
      migratable: mode.migratable,
    };
  }

  /** Starts QEMU for `spec` and wraps it; `stateFd` is inherited as fd 3 for an incoming clone. */
  private async launch(spec: QemuLaunchSpec, state: VmState, stateFd?: number): Promise<QemuVm> {
    const launched = await launchQemu(spec, stateFd);
    return new QemuVm({
      id: spec.vmId,
      accel: spec.accel,
      memoryMiB: spec.memoryMiB,
      launched,
      state,
      pidFile: spec.pidFile,
    });
  }

  /** Boots a VM from the kernel (no template). Used for the baseline and the KVM probe. */
  async bootCold(key: TemplateKey, image: BootImage, options: BootOptions = {}): Promise<QemuVm> {
    const id = newVmId();
    const mode = {
      incoming: false,
      migratable: false,
      ...(options.accel ? { accel: options.accel } : {}),
    };
    const spec = this.spec(id, key, image, { kind: "anonymous" }, mode);
    // the benchmark's naive baseline boots the compressed stock kernel with a stock command line
    if (spec.boot && options.kernel) spec.boot.kernel = options.kernel;
    if (spec.boot && options.cmdline) spec.boot.cmdline = options.cmdline;
    const vm = await this.launch(spec, VmState.Booting);
    try {
      await this.waitBooted(vm, options.timeoutMs ?? BOOT_TIMEOUT_MS);
      return vm;
    } catch (err) {
      await vm.destroy();
      throw err;
    }
  }

  private async waitBooted(vm: QemuVm, timeoutMs: number): Promise<void> {
    const died = vm.exited.then((exit) => {
      throw new Error(
        `guest died while booting (code ${exit.code}): ${exit.consoleTail.slice(-2000)}`,
      );
    });
    died.catch(() => {});
    await Promise.race([vm.agent.waitReady(timeoutMs), died]);
    await withTimeout(initGuest(vm.agent), timeoutMs, "guest INIT");
    vm.setState(VmState.Running);
  }

  /**
   * Boots the template for `key`, warms it, and saves it into `dir`: `ram` (guest RAM, written
   * through a shared file mapping) and `state` (device state, migrated with x-ignore-shared).
   * Written under a temporary name and renamed, so a crash never leaves a half template.
   */
  async bootTemplate(key: TemplateKey, image: BootImage, dir: string): Promise<TemplateSnapshot> {
    const started = performance.now();
    const tmp = `${dir}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    const id = newVmId();
    const memory: GuestMemory = { kind: "file", path: join(tmp, "ram"), shared: true };
    const spec = this.spec(id, key, image, memory, { incoming: false, migratable: true });
    const vm = await this.launch(spec, VmState.Booting);
    try {
      await this.waitBooted(vm, BOOT_TIMEOUT_MS);
      const bootMs = performance.now() - started;
      // warmed once before saving, so every clone starts with the exec path in its page cache
      await vm.warmUp();
      await this.save(vm, join(tmp, "state"));
      await vm.qmp.execute("quit").catch(() => {});
      await vm.exited;
      rmSync(dir, { recursive: true, force: true });
      renameSync(tmp, dir);
      return {
        key,
        dir,
        ramPath: join(dir, "ram"),
        statePath: join(dir, "state"),
        accel: this.accel,
        imageHash: image.hash,
        vmlinux: image.vmlinux,
        initrd: image.initrd,
        bootMs,
      };
    } catch (err) {
      await vm.destroy();
      rmSync(tmp, { recursive: true, force: true });
      throw new Error(`template ${templateKeyId(key)}: ${(err as Error).message}`, { cause: err });
    }
  }

  private async save(vm: QemuVm, statePath: string): Promise<void> {
    await vm.qmp.execute("migrate-set-capabilities", MIGRATION_CAPABILITIES);
    await vm.qmp.execute("stop");
    const done = vm.qmp.waitFor(
      (e) =>
        e.event === "MIGRATION" &&
        ["completed", "failed", "cancelled"].includes(String(e.data?.status)),
    );
    await vm.qmp.execute("migrate", { uri: `exec:cat > '${statePath}'` });
    const event = await withTimeout(done, SAVE_TIMEOUT_MS, "saving the template");
    if (event.data?.status !== "completed") {
      throw new Error(`saving the template ${String(event.data?.status)}`);
    }
  }

  /**
   * Spawns a clone of `template` waiting in `-incoming defer`: a QEMU process with the template
   * RAM mapped privately and no guest CPU running yet (~16 MiB, no CPU). `restore()` starts it.
   */
  async spawnClone(template: TemplateSnapshot): Promise<QemuVm> {
    const id = newVmId();
    const image: BootImage = {
      name: template.key.image,
      hash: template.imageHash,
      vmlinux: template.vmlinux,
      initrd: template.initrd,
      kernelVersion: "",
    };
    const memory: GuestMemory = { kind: "file", path: template.ramPath, shared: false };
    const spec = this.spec(id, template.key, image, memory, {
      incoming: true,
      migratable: true,
      accel: template.accel,
    });
    const stateFd = openSync(template.statePath, "r");
    let vm: QemuVm;
    try {
      vm = await this.launch(spec, VmState.Incoming, stateFd);
    } finally {
      closeSync(stateFd);
    }
    try {
      await vm.qmp.execute("migrate-set-capabilities", MIGRATION_CAPABILITIES);
      return vm;
    } catch (err) {
      await vm.destroy();
      throw err;
    }
  }
}
