import { constants } from "node:os";
import type { JobSpec, JobStatus } from "@edgevm/contract";
import type { AgentChannel } from "../protocol/index.js";
import type { VmExit } from "../vm/types.js";

/** What executeJob needs of a VM. */
export interface JobVm {
  readonly agent: AgentChannel;
  readonly exited: Promise<VmExit>;
}

export interface ExecuteOptions {
  /** bytes kept per stream; the rest is dropped and `truncated` set */
  maxOutputBytes: number;
  signal?: AbortSignal;
  onOutput?: (stream: "stdout" | "stderr", data: Uint8Array) => void;
}

export interface ExecOutcome {
  status: JobStatus;
  exitCode: number | null;
  signal: string | null;
  stdout: Buffer;
  stderr: Buffer;
  truncated: boolean;
  runMs: number;
  message?: string;
}

/** After an agent error, how long to wait for the VM's exit to explain it (a dying QEMU exits fast). */
const CRASH_GRACE_MS = 500;

function delay(ms: number): Promise<undefined> {
  return new Promise((resolve) => setTimeout(() => resolve(undefined), ms));
}

/** File mode for files a job writes before its command runs. */
const JOB_FILE_MODE = 0o644;

const SIGNAL_NAMES = new Map(Object.entries(constants.signals).map(([name, no]) => [no, name]));

export function signalName(signo: number): string {
  return SIGNAL_NAMES.get(signo) ?? `SIG${signo}`;
}

/** Pure: a one-line reason from the guest console tail (a kernel panic line when there is one). */
export function crashReason(exit: VmExit): string {
  const panic = /Kernel panic[^\n]*/.exec(exit.consoleTail)?.[0];
  if (panic) return `the guest kernel panicked: ${panic.trim()}`;
  const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
  return `the VM's QEMU process ${how}`;
}

class CappedBuffer {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  truncated = false;
  constructor(private readonly limit: number) {}
  /** Keeps what fits; returns the part kept (empty once full). */
  push(data: Uint8Array): Uint8Array {
    const room = this.limit - this.size;
    if (room <= 0) {
      this.truncated ||= data.length > 0;
      return data.subarray(0, 0);
    }
    const kept = data.length > room ? data.subarray(0, room) : data;
    if (kept.length < data.length) this.truncated = true;
    this.chunks.push(Buffer.from(kept));
    this.size += kept.length;
    return kept;
  }
  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

type Ending =
  | { kind: "exit"; exitCode: number | null; signal: number | null }
  | { kind: "timeout" }
  | { kind: "crash"; message: string }
  | { kind: "aborted" };

/**
 * Runs one job's command on a running VM: writes its files, starts the command, feeds stdin,
 * streams and caps output, and ends with exactly one outcome: the command's exit, a timeout,
 * a crash (the VM or the agent died), or an abort by the caller. The caller destroys the VM.
 */
export async function executeJob(
  vm: JobVm,
  spec: JobSpec,
  options: ExecuteOptions,
): Promise<ExecOutcome> {
  const stdout = new CappedBuffer(options.maxOutputBytes);
  const stderr = new CappedBuffer(options.maxOutputBytes);
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const crashed = vm.exited.then((exit): Ending => ({ kind: "crash", message: crashReason(exit) }));

  const run = async (): Promise<Ending> => {
    for (const [path, content] of Object.entries(spec.files)) {
      await vm.agent.writeFile(path, Buffer.from(content, "utf8"), {
        mode: JOB_FILE_MODE,
        append: false,
      });
    }
    const session = vm.agent.exec({
      argv: spec.command,
      env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
      cwd: spec.cwd ?? "",
    });
    session.onStdout((data) => {
      const kept = stdout.push(data);
      if (kept.length) options.onOutput?.("stdout", kept);
    });
    session.onStderr((data) => {
      const kept = stderr.push(data);
      if (kept.length) options.onOutput?.("stderr", kept);
    });
    if (spec.stdin !== undefined && spec.stdin.length > 0)
      session.writeStdin(Buffer.from(spec.stdin, "utf8"));
    session.closeStdin();
    const exit = await session.exit;
    return { kind: "exit", exitCode: exit.exitCode, signal: exit.signal };
  };

  const timedOut = new Promise<Ending>((resolve) => {
    timer = setTimeout(() => resolve({ kind: "timeout" }), spec.timeoutMs);
  });
  const aborted = new Promise<Ending>((resolve) => {
    if (options.signal?.aborted) resolve({ kind: "aborted" });
    options.signal?.addEventListener("abort", () => resolve({ kind: "aborted" }), { once: true });
  });
  // an agent error while the VM dies is a crash; let the VM's exit explain it when it can
  const running = run().catch(async (err: Error): Promise<Ending> => {
    const exit = await Promise.race([vm.exited, delay(CRASH_GRACE_MS)]);
    return {
      kind: "crash",
      message: exit ? crashReason(exit) : `the guest agent failed: ${err.message}`,
    };
  });

  const ending = await Promise.race([running, timedOut, crashed, aborted]);
  clearTimeout(timer);
  const runMs = performance.now() - started;
  const base = {
    stdout: stdout.bytes(),
    stderr: stderr.bytes(),
    truncated: stdout.truncated || stderr.truncated,
    runMs,
  };
  switch (ending.kind) {
    case "exit": {
      const signal = ending.signal ? signalName(ending.signal) : null;
      const exitCode = signal ? null : ending.exitCode;
      return { ...base, status: exitCode === 0 ? "succeeded" : "failed", exitCode, signal };
    }
    case "timeout":
      return {
        ...base,
        status: "timeout",
        exitCode: null,
        signal: null,
        message: `the command ran longer than timeoutMs=${spec.timeoutMs}; its VM was destroyed`,
      };
    case "crash":
      return { ...base, status: "crashed", exitCode: null, signal: null, message: ending.message };
    case "aborted":
      return {
        ...base,
        status: "crashed",
        exitCode: null,
        signal: null,
        message: "the caller went away; the VM was destroyed",
      };
  }
}
