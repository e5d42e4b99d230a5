import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { buildQemuArgs, type QemuLaunchSpec } from "./args.js";
import { QmpClient } from "./qmp.js";

/** QEMU binary; overridable for hosts where it lives elsewhere. */
export const QEMU_BINARY = process.env.EDGEVM_QEMU ?? "qemu-system-x86_64";
let qemuVersionCache: string | undefined;
/** First line of `qemu-system-x86_64 --version`, read once. */
export function qemuVersion(): string {
  qemuVersionCache ??=
    execFileSync(QEMU_BINARY, ["--version"], { encoding: "utf8" }).split("\n")[0] ?? "";
  return qemuVersionCache;
}

/** Guest console bytes kept per VM for crash reports (a panic trace fits). */
const CONSOLE_TAIL_BYTES = 16_384;
/** QEMU connects its control sockets while it initialises; past this it is stuck. */
const CONNECT_TIMEOUT_MS = 10_000;

export interface LaunchedQemu {
  child: ChildProcess;
  qmp: QmpClient;
  agentSocket: Socket;
  consoleTail(): string;
  stderrTail(): string;
  /** resolves once the process has exited (never rejects) */
  exited: Promise<{ code: number | null; signal: string | null }>;
}

class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly limit: number) {}
  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size - (this.chunks[0]?.length ?? 0) >= this.limit && this.chunks.length > 1) {
      this.size -= this.chunks.shift()?.length ?? 0;
    }
  }
  text(): string {
    return Buffer.concat(this.chunks).subarray(-this.limit).toString("utf8");
  }
}

function listenOnce(path: string): { server: Server; connection: Promise<Socket> } {
  rmSync(path, { force: true });
  const server = createServer();
  const connection = new Promise<Socket>((resolve, reject) => {
    server.once("connection", (socket) => {
      server.close();
      resolve(socket);
    });
    server.once("error", reject);
  });
  server.listen(path);
  return { server, connection };
}

/**
 * Starts QEMU with both control sockets served by us: QEMU connects to them while it
 * initialises, so "connected" is the readiness signal (no polling, no sleeping).
 * `stateFd`, when given, is inherited as fd 3 for `migrate-incoming fd:3`.
 */
export async function launchQemu(spec: QemuLaunchSpec, stateFd?: number): Promise<LaunchedQemu> {
  const qmpListen = listenOnce(spec.qmpSocket);
  const agentListen = listenOnce(spec.agentSocket);
  const stdio: ("ignore" | "pipe" | number)[] = ["ignore", "pipe", "pipe"];
  if (stateFd !== undefined) stdio.push(stateFd);
  const child = spawn(QEMU_BINARY, buildQemuArgs(spec), { stdio });
  const consoleTail = new TailBuffer(CONSOLE_TAIL_BYTES);
  const stderrTail = new TailBuffer(4096);
  child.stdout?.on("data", (chunk: Buffer) => consoleTail.push(chunk));
  child.stderr?.on("data", (chunk: Buffer) => stderrTail.push(chunk));
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
    child.once("error", () => resolve({ code: null, signal: null }));
  });

  const cleanup = () => {
    qmpListen.server.close();
    agentListen.server.close();
    rmSync(spec.qmpSocket, { force: true });
    rmSync(spec.agentSocket, { force: true });
  };
  let timer: NodeJS.Timeout | undefined;
  const failure = new Promise<never>((_, reject) => {
    exited.then(({ code, signal }) => {
      reject(
        new Error(
          `QEMU exited during start-up (code ${code}, signal ${signal}): ${stderrTail.text().trim()}`,
        ),
      );
    });
    timer = setTimeout(
      () => reject(new Error(`QEMU did not connect within ${CONNECT_TIMEOUT_MS} ms`)),
      CONNECT_TIMEOUT_MS,
    );
  });
  try {
    const [qmpSocket, agentSocket] = await Promise.race([
      Promise.all([qmpListen.connection, agentListen.connection]),
      failure,
    ]);
    const qmp = new QmpClient(qmpSocket);
    await Promise.race([qmp.handshake(), failure]);
    return {
      child,
      qmp,
      agentSocket,
      consoleTail: () => consoleTail.text(),
      stderrTail: () => stderrTail.text(),
      exited,
    };
  } catch (err) {
    child.kill("SIGKILL");
    await exited;
    rmSync(spec.pidFile, { force: true });
    throw err;
  } finally {
    clearTimeout(timer);
    failure.catch(() => {});
    cleanup();
  }
}
