/**
 * One `workerd serve` process. Readiness comes from workerd's control channel, never from sleeping
 * or polling a port: with `--control-fd=3` workerd writes one JSON line per socket to fd 3 once it
 * listens, `{"event":"listen","socket":"<name>","port":<n>}` (verified against workerd
 * 1.20260722.1), and `start` resolves when every socket of the config has reported. A socket
 * address with port 0 therefore works: the control channel tells the real port.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { EdgevmError } from "@edgevm/contract";

/** SIGTERM lets workerd finish in-flight requests; past this grace period it gets SIGKILL. */
export const STOP_GRACE_MS = 5_000;
/** A bound on start-up (config parse, module compile, bind) before it is reported as failed. */
export const START_TIMEOUT_MS = 30_000;
/** How much of workerd's stderr is kept for error messages. */
const STDERR_TAIL_BYTES = 16 * 1024;

/** The workerd binary of the pinned `workerd` package (`MINIFLARE_WORKERD_PATH`-style override). */
export function workerdBinary(env: Record<string, string | undefined> = process.env): string {
  if (env.EDGEVM_WORKERD_PATH) return env.EDGEVM_WORKERD_PATH;
  const require = createRequire(import.meta.url);
  return (require("workerd") as { default: string }).default;
}

export interface WorkerdStartOptions {
  /** path of the capnp text config */
  configPath: string;
  /** every socket name in the config; start resolves when all of them listen */
  sockets: string[];
  /** `--socket-addr <name>=<addr>` overrides, e.g. `{ http: "127.0.0.1:0" }` */
  socketAddrs?: Record<string, string>;
  experimental?: boolean;
  binary?: string;
  startTimeoutMs?: number;
  /** each line workerd writes to stdout or stderr */
  onOutput?: (stream: "stdout" | "stderr", line: string) => void;
}

export interface WorkerdExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface WorkerdProcess {
  readonly pid: number;
  /** socket name → port it listens on, as reported on the control channel */
  readonly ports: ReadonlyMap<string, number>;
  /** resolves once, when the process has exited (for any reason) */
  readonly exited: Promise<WorkerdExit>;
  /** the last 16 KiB of stderr */
  stderr(): string;
  /** SIGTERM, then SIGKILL after `graceMs` (default STOP_GRACE_MS); resolves when it has exited */
  stop(graceMs?: number): Promise<WorkerdExit>;
}

/** The command line for one workerd process (pure). */
export function workerdArgs(options: WorkerdStartOptions): string[] {
  const args = ["serve", options.configPath, "--control-fd=3"];
  if (options.experimental) args.push("--experimental");
  for (const [name, addr] of Object.entries(options.socketAddrs ?? {})) {
    args.push(`--socket-addr=${name}=${addr}`);
  }
  return args;
}

/** A control-channel line as workerd writes it; anything else is ignored. */
export function parseControlLine(line: string): { socket: string; port: number } | undefined {
  let message: unknown;
  try {
    message = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof message !== "object" || message === null) return undefined;
  const { event, socket, port } = message as Record<string, unknown>;
  if (event !== "listen" || typeof socket !== "string" || typeof port !== "number")
    return undefined;
  return { socket, port };
}

/** Starts workerd and resolves when every socket listens; rejects (and kills it) otherwise. */
export async function startWorkerd(options: WorkerdStartOptions): Promise<WorkerdProcess> {
  const child = spawn(options.binary ?? workerdBinary(), workerdArgs(options), {
    stdio: ["ignore", "pipe", "pipe", "pipe"],
  });
  let stderrTail = "";
  const exited = new Promise<WorkerdExit>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
    // A failed spawn (e.g. ENOENT) emits 'error' and never 'exit'.
    child.once("error", () => {
      if (child.pid === undefined) resolve({ code: null, signal: null });
    });
  });
  forwardLines(child.stdout, (line) => options.onOutput?.("stdout", line));
  forwardLines(child.stderr, (line) => {
    stderrTail = `${stderrTail}${line}\n`.slice(-STDERR_TAIL_BYTES);
    options.onOutput?.("stderr", line);
  });

  const ports = new Map<string, number>();
  const control = child.stdio[3] as Readable | null;
  try {
    await waitForSockets(child, control, options, ports, () => stderrTail);
  } catch (err) {
    await stopChild(child, exited, STOP_GRACE_MS);
    throw err;
  }
  const pid = child.pid;
  if (pid === undefined) throw new EdgevmError("WORKERD_START_FAILED", "workerd has no pid");
  return {
    pid,
    ports,
    exited,
    stderr: () => stderrTail,
    stop: (graceMs = STOP_GRACE_MS) => stopChild(child, exited, graceMs),
  };
}

function forwardLines(stream: Readable | null, onLine: (line: string) => void): void {
  if (!stream) return;
  createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on("line", onLine);
}

function waitForSockets(
  child: ChildProcess,
  control: Readable | null,
  options: WorkerdStartOptions,
  ports: Map<string, number>,
  stderr: () => string,
): Promise<void> {
  const pending = new Set(options.sockets);
  const timeoutMs = options.startTimeoutMs ?? START_TIMEOUT_MS;
  return new Promise<void>((resolve, reject) => {
    let done = false;
    if (!control) {
      reject(new EdgevmError("WORKERD_START_FAILED", "workerd control channel (fd 3) missing"));
      return;
    }
    const fail = (message: string, cause?: unknown) => {
      if (done) return;
      cleanup();
      const tail = stderr().trim();
      reject(
        new EdgevmError("WORKERD_START_FAILED", tail ? `${message}:\n${tail}` : message, {
          details: { configPath: options.configPath, stderr: tail },
          cause,
        }),
      );
    };
    const lines = createInterface({ input: control, crlfDelay: Number.POSITIVE_INFINITY });
    const onLine = (line: string) => {
      const listen = parseControlLine(line);
      if (!listen || !pending.has(listen.socket)) return;
      ports.set(listen.socket, listen.port);
      pending.delete(listen.socket);
      if (pending.size === 0) {
        cleanup();
        resolve();
      }
    };
    const onError = (err: Error) => fail(`workerd could not start (${err.message})`, err);
    const timer = setTimeout(
      () => fail(`workerd did not listen on [${[...pending].join(", ")}] within ${timeoutMs} ms`),
      timeoutMs,
    );
    const cleanup = () => {
      done = true;
      clearTimeout(timer);
      lines.off("line", onLine);
      child.off("error", onError);
      child.off("close", onClose);
    };
    lines.on("line", onLine);
    child.once("error", onError);
    // 'close' follows 'exit' once stdio has drained, so the stderr tail is complete by then.
    const onClose = (code: number | null, signal: NodeJS.Signals | null) =>
      fail(`workerd exited during start-up (code ${code}, signal ${signal})`);
    child.once("close", onClose);
  });
}

async function stopChild(
  child: ChildProcess,
  exited: Promise<WorkerdExit>,
  graceMs: number,
): Promise<WorkerdExit> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null)
    return exited;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  try {
    return await exited;
  } finally {
    clearTimeout(timer);
  }
}
