/** Builds emulator-service/agent/agent.c with the host gcc and runs it in `--stdio` mode. */
import { type ChildProcessByStdio, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Duplex, type Readable, type Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { AgentChannel } from "../../src/protocol/index.js";

export const AGENT_SOURCE = fileURLToPath(new URL("../../agent/agent.c", import.meta.url));

/** True when a host C compiler is available (checked once, synchronously, at collection time). */
export const HAVE_GCC = spawnSync("gcc", ["--version"], { stdio: "ignore" }).status === 0;
if (!HAVE_GCC) console.warn("gcc not found: skipping the host-mode guest agent tests");

export interface AgentBuild {
  binary: string;
  dir: string;
  dispose(): void;
}

export function compileAgent(): AgentBuild {
  const dir = mkdtempSync(join(tmpdir(), "edgevm-agent-"));
  const binary = join(dir, "agent");
  const result = spawnSync("gcc", ["-O1", "-Wall", "-Wextra", "-o", binary, AGENT_SOURCE], {
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`gcc failed:\n${result.stderr}`);
  return { binary, dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

export type AgentProcess = ChildProcessByStdio<Writable, Readable, Readable>;

export interface RunningAgent {
  child: AgentProcess;
  channel: AgentChannel;
  /** Everything the agent wrote to its stderr (diagnostics). */
  stderr(): string;
  /** Resolves with the agent's exit status. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnRawAgent(binary: string): {
  child: AgentProcess;
  stderr(): string;
  exited: RunningAgent["exited"];
} {
  const child = spawn(binary, ["--stdio"], { stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (text: string) => {
    stderr += text;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal })),
  );
  return { child, stderr: () => stderr, exited };
}

export function spawnAgent(binary: string): RunningAgent {
  const raw = spawnRawAgent(binary);
  const stream = Duplex.from({ readable: raw.child.stdout, writable: raw.child.stdin });
  return { ...raw, channel: new AgentChannel(stream) };
}

/** Collects a session's stdout and stderr as buffers. */
export function collect(session: {
  onStdout(cb: (chunk: Buffer) => void): unknown;
  onStderr(cb: (chunk: Buffer) => void): unknown;
}): { stdout(): Buffer; stderr(): Buffer; chunks: Buffer[] } {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  session.onStdout((chunk) => out.push(chunk));
  session.onStderr((chunk) => err.push(chunk));
  return { stdout: () => Buffer.concat(out), stderr: () => Buffer.concat(err), chunks: out };
}

/** Kills a process group if it still exists (cleanup of background children). */
export function killGroup(pid: number): void {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // already gone
  }
}

/** True while `pid` runs (a zombie counts as dead: whoever reaps it is not under test). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** Polls until `pid` is gone or `timeoutMs` passed; returns whether it is gone. */
export async function waitGone(pid: number, timeoutMs = 1_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  return !isAlive(pid);
}
