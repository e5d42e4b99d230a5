/**
 * One emulator host as a child process (`edgevm emulator …`), so a supervisor can restart it and
 * a crash of one region's host does not take the others down. Ready when it prints its
 * "edgevm emulator ready: <url>" line (its own readiness protocol), never by sleeping.
 */

import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { EdgevmError } from "@edgevm/contract";

/** A fresh host builds no image (the parent did) but may boot a template: seconds under TCG. */
export const EMULATOR_START_TIMEOUT_MS = 120_000;
/** SIGTERM lets the host destroy its VMs; past this it is killed. */
export const EMULATOR_STOP_GRACE_MS = 10_000;

const READY_LINE = /edgevm emulator ready: (http:\/\/\S+)/;

export interface EmulatorProcessOptions {
  repoRoot: string;
  region: string;
  hostId: string;
  port: number;
  listen: string;
  secret: string;
  /** the region Worker's URL: the host joins that region's directory (`--join`) */
  join?: string;
  /** the URL the region Worker reaches this host at, when not its listen URL (`--advertise`) */
  advertise?: string;
  /**
   * A command the host runs under, e.g. `["ip", "netns", "exec", "edgevm-h2"]` to put it in its own
   * network namespace (it must exec the rest of its arguments, so the pid stays the host's)
   */
  launcher?: readonly string[];
  /** extra environment (EDGEVM_ACCEL, EDGEVM_LOG_LEVEL, …) */
  env?: Record<string, string | undefined>;
  onOutput?: (line: string) => void;
}

export interface EmulatorProcess {
  readonly pid: number;
  readonly url: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(graceMs?: number): Promise<unknown>;
}

/** The `edgevm` command of this package (it runs the compiled CLI in dist/). */
export const EDGEVM_BIN = fileURLToPath(new URL("../bin/edgevm.mjs", import.meta.url));

export function emulatorArgs(options: EmulatorProcessOptions): string[] {
  return [
    EDGEVM_BIN,
    "emulator",
    "--region",
    options.region,
    "--host-id",
    options.hostId,
    "--port",
    String(options.port),
    "--listen",
    options.listen,
    "--secret",
    options.secret,
    ...(options.join !== undefined ? ["--join", options.join] : []),
    ...(options.advertise !== undefined ? ["--advertise", options.advertise] : []),
  ];
}

export function startEmulatorProcess(options: EmulatorProcessOptions): Promise<EmulatorProcess> {
  const [command = process.execPath, ...prefix] = options.launcher ?? [];
  const args = options.launcher
    ? [...prefix, process.execPath, ...emulatorArgs(options)]
    : emulatorArgs(options);
  const child = spawn(command, args, {
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
  let tail = "";
  const forward = (chunk: Buffer) => {
    const text = chunk.toString("utf8");
    tail = (tail + text).slice(-4096);
    for (const line of text.split("\n")) if (line.trim()) options.onOutput?.(line);
  };
  child.stderr.on("data", forward);
  const stop = async (graceMs = EMULATOR_STOP_GRACE_MS) => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    }
    return exited;
  };
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => {
      void stop(0);
      reject(
        new EdgevmError(
          "INTERNAL",
          `emulator ${options.region}/${options.hostId} not ready after ${EMULATOR_START_TIMEOUT_MS} ms`,
        ),
      );
    }, EMULATOR_START_TIMEOUT_MS);
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8");
      const url = READY_LINE.exec(out)?.[1];
      if (!url) return;
      clearTimeout(timer);
      child.stdout.removeAllListeners("data");
      child.stdout.on("data", forward);
      resolve({ pid: child.pid ?? -1, url, exited, stop });
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(
        new EdgevmError(
          "INTERNAL",
          `emulator ${options.region}/${options.hostId} exited before it was ready (code ${code}, signal ${signal}): ${tail.trim().slice(-800)}`,
        ),
      );
    });
  });
}
