/**
 * A VmDriver whose "VMs" are the real guest agent run as host processes in `--stdio` mode: the
 * same protocol, lifecycle and failure semantics as QEMU, with none of its isolation. For fast
 * tests of what sits above the driver; it passes the same conformance suite as QemuDriver.
 */
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Duplex } from "node:stream";
import { AgentChannel } from "../../src/protocol/index.js";
import type { BootOptions, Vm, VmDriver } from "../../src/vm/driver.js";
import { initGuest, newVmId } from "../../src/vm/guest.js";
import {
  type BootImage,
  type TemplateKey,
  type TemplateSnapshot,
  type VmExit,
  VmState,
} from "../../src/vm/types.js";

const READY_TIMEOUT_MS = 5_000;

export class ProcessVm implements Vm {
  readonly id = newVmId();
  readonly agent: AgentChannel;
  readonly exited: Promise<VmExit>;
  private current: VmState;
  private requested = false;
  private readonly child;

  constructor(
    binary: string,
    readonly memoryMiB: number,
    state: VmState,
  ) {
    this.current = state;
    this.child = spawn(binary, ["--stdio"], { stdio: ["pipe", "pipe", "pipe"] });
    let stderr = "";
    this.child.stderr.setEncoding("utf8");
    this.child.stderr.on("data", (text: string) => {
      stderr = (stderr + text).slice(-16_384);
    });
    this.agent = new AgentChannel(
      Duplex.from({ readable: this.child.stdout, writable: this.child.stdin }),
    );
    this.exited = new Promise((resolve) => {
      this.child.once("exit", (code, signal) => {
        this.current = VmState.Stopped;
        this.agent.close();
        resolve({ requested: this.requested, code, signal, consoleTail: stderr });
      });
    });
  }

  get state(): VmState {
    return this.current;
  }

  get pid(): number | undefined {
    return this.current === VmState.Stopped ? undefined : this.child.pid;
  }

  async boot(): Promise<void> {
    await this.agent.waitReady(READY_TIMEOUT_MS);
    await initGuest(this.agent);
    this.current = VmState.Running;
  }

  async restore(): Promise<void> {
    if (this.current !== VmState.Incoming)
      throw new Error(`cannot restore a VM in state ${this.current}`);
    this.current = VmState.Restoring;
    await initGuest(this.agent);
    this.current = VmState.Running;
  }

  async warmUp(): Promise<void> {
    await this.agent.exec({ argv: ["/bin/sh", "-c", ":"] }).exit;
  }

  async destroy(): Promise<VmExit> {
    this.requested = true;
    if (this.current !== VmState.Stopped) this.child.kill("SIGKILL");
    return this.exited;
  }
}

export class ProcessDriver implements VmDriver<ProcessVm> {
  readonly name = "process";
  readonly accel = "tcg" as const;
  readonly fingerprint = "process-driver/1";

  constructor(private readonly agentBinary: string) {}

  async bootCold(key: TemplateKey, _image: BootImage, _options?: BootOptions): Promise<ProcessVm> {
    const vm = new ProcessVm(this.agentBinary, key.memoryMiB, VmState.Booting);
    await vm.boot();
    return vm;
  }

  async bootTemplate(key: TemplateKey, image: BootImage, dir: string): Promise<TemplateSnapshot> {
    const started = performance.now();
    const vm = await this.bootCold(key, image);
    await vm.warmUp();
    await vm.destroy();
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "ram"), JSON.stringify(key));
    writeFileSync(join(dir, "state"), image.hash);
    return {
      key,
      dir,
      ramPath: join(dir, "ram"),
      statePath: join(dir, "state"),
      accel: this.accel,
      imageHash: image.hash,
      vmlinux: image.vmlinux,
      initrd: image.initrd,
      bootMs: performance.now() - started,
    };
  }

  async spawnClone(template: TemplateSnapshot): Promise<ProcessVm> {
    return new ProcessVm(this.agentBinary, template.key.memoryMiB, VmState.Incoming);
  }
}
