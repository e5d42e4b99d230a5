import { rmSync } from "node:fs";
import { AgentChannel } from "../../protocol/index.js";
import type { Vm } from "../driver.js";
import { initGuest, withTimeout } from "../guest.js";
import { type Accel, type VmExit, VmState } from "../types.js";
import type { LaunchedQemu } from "./launch.js";

/** A clone's state stream is ~60 KB; loading it takes milliseconds, a stuck load is a dead VM. */
export const RESTORE_TIMEOUT_MS = 5_000;
/** INIT (clock + entropy) answers in well under a second even on a loaded TCG host. */
export const INIT_TIMEOUT_MS = 5_000;
/**
 * What a clone runs before it joins the warm pool: one fork and exec of the shell writing to both
 * output pipes, so TCG has translated the exec and output paths before a job needs them.
 */
export const WARMUP_ARGV = ["/bin/sh", "-c", "echo warm; echo warm >&2"];

/**
 * One QEMU microVM. It owns its process, control sockets and agent channel; its state only
 * moves forward (see VmState). `exited` resolves exactly once, whoever ended the process.
 */
export class QemuVm implements Vm {
  readonly id: string;
  readonly accel: Accel;
  readonly memoryMiB: number;
  readonly agent: AgentChannel;
  readonly exited: Promise<VmExit>;
  private currentState: VmState;
  private destroyRequested = false;

  constructor(options: {
    id: string;
    accel: Accel;
    memoryMiB: number;
    launched: LaunchedQemu;
    state: VmState;
    pidFile: string;
  }) {
    this.id = options.id;
    this.accel = options.accel;
    this.memoryMiB = options.memoryMiB;
    this.currentState = options.state;
    this.launched = options.launched;
    this.agent = new AgentChannel(options.launched.agentSocket);
    this.exited = options.launched.exited.then(({ code, signal }) => {
      this.currentState = VmState.Stopped;
      this.agent.close();
      this.launched.qmp.close();
      rmSync(options.pidFile, { force: true });
      return {
        requested: this.destroyRequested,
        code,
        signal,
        consoleTail: this.launched.consoleTail(),
      };
    });
  }

  private readonly launched: LaunchedQemu;

  get state(): VmState {
    return this.currentState;
  }

  get pid(): number | undefined {
    return this.launched.child.pid;
  }

  setState(state: VmState): void {
    if (this.currentState !== VmState.Stopped) this.currentState = state;
  }

  get qmp() {
    return this.launched.qmp;
  }

  consoleTail(): string {
    return this.launched.consoleTail();
  }

  /** Loads the template state (clones only): incoming → restoring → running. */
  async restore(): Promise<void> {
    if (this.currentState !== VmState.Incoming) {
      throw new Error(`cannot restore a VM in state ${this.currentState}`);
    }
    this.currentState = VmState.Restoring;
    const done = this.qmp.waitFor(
      (e) =>
        e.event === "MIGRATION" &&
        ["completed", "failed", "cancelled"].includes(String(e.data?.status)),
    );
    await this.qmp.execute("migrate-incoming", { uri: "fd:3" });
    const event = await withTimeout(done, RESTORE_TIMEOUT_MS, "restoring the template state");
    if (event.data?.status !== "completed") {
      throw new Error(`restoring the template state ${String(event.data?.status)}`);
    }
    await withTimeout(initGuest(this.agent), INIT_TIMEOUT_MS, "guest INIT after restore");
    this.setState(VmState.Running);
  }

  /** Runs the warm-up command once so TCG has translated the exec path before a job arrives. */
  async warmUp(): Promise<void> {
    const session = this.agent.exec({ argv: WARMUP_ARGV, env: [], cwd: "" });
    await withTimeout(session.exit, INIT_TIMEOUT_MS, "clone warm-up");
  }

  /** Kills the VM at once; its memory is private and disposable, so nothing is saved. */
  async destroy(): Promise<VmExit> {
    this.destroyRequested = true;
    if (this.currentState !== VmState.Stopped) this.launched.child.kill("SIGKILL");
    return this.exited;
  }
}
