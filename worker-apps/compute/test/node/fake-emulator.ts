/**
 * A fake emulator host for the Worker tests, run in Node by miniflare as the `EMULATOR` service.
 * It is the real emulator API (`createEmulatorApp`: signature check with `verifyRequest`, body
 * validation, JSON results, SSE encoding, error mapping) over a scripted JobRunner instead of VMs.
 *
 * Scripts, chosen by argv[0]:
 *   echo ARGS…     start, stdout "ARGS…\n", exit 0
 *   gate NAME      start, stdout "first\n", then waits for `POST /__fake/release/NAME`,
 *                  then stdout "last\n", exit 0 (so a test can read the first event before the last)
 *   busy           NO_CAPACITY (503, Retry-After: 2) before starting
 *   busy-on HOST   NO_CAPACITY on host HOST only; elsewhere like echo
 *   fail           exit 3 with stderr "boom\n"
 *   flood BYTES    BYTES of stdout ("é" and "a", so its JSON is larger still) and BYTES of stderr
 * Control routes (unsigned, test only):
 *   POST /__fake/release/NAME          opens gate NAME (also before anyone waits on it)
 *   GET  /__fake/calls?marker=M        the runs whose job env has MARKER=M: [{requestId, command}]
 *   POST /__fake/die                   (listening hosts only) drops every open connection at once,
 *                                      as a host that dies mid-job would
 *
 * `startFakeHost(port, hostId)` serves one on a real port, for the multi-host tests (hosts in the
 * region's directory are reached by URL).
 */

import { createServer, type Server, type ServerResponse } from "node:http";
import type { Capacity, JobResult, JobSpec } from "@edgevm/contract";
import { EdgevmError } from "@edgevm/contract";
import { sampleCapacity } from "@edgevm/contract/test/fixtures";
import { createEmulatorApp } from "@edgevm/emulator/api";
import type { JobRunner, RunOptions } from "@edgevm/emulator/jobs/runner";
import { createEmulatorMetrics } from "@edgevm/emulator/metrics/index";
import { createLogger } from "@edgevm/observability";
import { getRequestListener } from "@hono/node-server";
import { Hono } from "hono";

export const FAKE_SECRET = "worker-test-secret-0123456789";
export const FAKE_REGION = "test-region";
export const FAKE_HOST = "fake-host-1";

const encoder = new TextEncoder();

class Gates {
  private readonly open = new Set<string>();
  private readonly waiters = new Map<string, Array<() => void>>();

  release(name: string): void {
    this.open.add(name);
    for (const wake of this.waiters.get(name) ?? []) wake();
    this.waiters.delete(name);
  }

  wait(name: string): Promise<void> {
    if (this.open.has(name)) return Promise.resolve();
    return new Promise((resolve) => {
      const list = this.waiters.get(name) ?? [];
      list.push(resolve);
      this.waiters.set(name, list);
    });
  }
}

interface Call {
  requestId: string | undefined;
  command: string[];
  marker: string | undefined;
}

let nextId = 0;

class ScriptedRunner implements JobRunner {
  readonly calls: Call[] = [];
  constructor(
    private readonly gates: Gates,
    private readonly host: string,
  ) {}

  async run(spec: JobSpec, options: RunOptions = {}): Promise<JobResult> {
    this.calls.push({
      requestId: options.requestId,
      command: spec.command,
      marker: spec.env.MARKER,
    });
    const [program = "", ...args] = spec.command;
    if (program === "busy" || (program === "busy-on" && args[0] === this.host)) {
      throw new EdgevmError("NO_CAPACITY", "no free slot on this host", { retryAfterS: 2 });
    }
    const id = `job_fake${(nextId++).toString(16).padStart(8, "0")}`;
    const vm = { id: `vm-${id}`, start: "warm" as const, memoryMiB: spec.memoryMiB };
    const emit = options.onEvent ?? (() => {});
    emit({ type: "start", id, region: FAKE_REGION, host: this.host, vm });
    let stdout = "";
    let stderr = "";
    const out = (text: string): void => {
      stdout += text;
      emit({ type: "stdout", data: encoder.encode(text) });
    };
    if (program === "gate") {
      out("first\n");
      await this.gates.wait(args[0] ?? "");
      out("last\n");
    } else if (program === "fail") {
      stderr = "boom\n";
      emit({ type: "stderr", data: encoder.encode(stderr) });
    } else if (program === "flood") {
      const bytes = Number(args[0] ?? 0);
      out("é".repeat(Math.floor(bytes / 4)) + "a".repeat(bytes - 2 * Math.floor(bytes / 4)));
      stderr = "\u0001".repeat(bytes);
      emit({ type: "stderr", data: encoder.encode(stderr) });
    } else {
      out(`${args.join(" ")}\n`);
    }
    const failed = program === "fail";
    const result: JobResult = {
      id,
      status: failed ? "failed" : "succeeded",
      exitCode: failed ? 3 : 0,
      signal: null,
      stdout,
      stderr,
      outputEncoding: spec.outputEncoding,
      truncated: false,
      region: FAKE_REGION,
      host: this.host,
      vm,
      timing: { queueMs: 0, startMs: 0.1, runMs: 1, totalMs: 1.1 },
    };
    emit({ type: "exit", result });
    return result;
  }

  capacity(): Capacity {
    return sampleCapacity({
      region: FAKE_REGION,
      host: this.host,
      images: [
        { name: "base", warm: 2, spawned: 2, templates: 1, targetWarm: 2 },
        { name: "python", warm: 1, spawned: 0, templates: 1, targetWarm: 1 },
      ],
    });
  }

  imageNames(): string[] {
    return ["base", "python"];
  }
}

/** The fake host as a Node request listener (miniflare `serviceBindings: { EMULATOR: { node } }`). */
export function createFakeEmulator(host = FAKE_HOST): ReturnType<typeof getRequestListener> {
  const gates = new Gates();
  const runner = new ScriptedRunner(gates, host);
  const emulator = createEmulatorApp({
    runner,
    metrics: createEmulatorMetrics(),
    logger: createLogger({ silent: true }),
    secret: FAKE_SECRET,
  });
  const app = new Hono();
  app.post("/__fake/release/:gate", (c) => {
    gates.release(c.req.param("gate"));
    return c.json({ ok: true });
  });
  app.get("/__fake/calls", (c) => {
    const marker = c.req.query("marker");
    return c.json(runner.calls.filter((call) => call.marker === marker));
  });
  app.all("*", (c) => emulator.fetch(c.req.raw));
  return getRequestListener(app.fetch);
}

/** A fake host listening on `127.0.0.1:port` (unref'd: it never keeps the test process alive). */
export function startFakeHost(port: number, hostId: string): Server {
  const listener = createFakeEmulator(hostId);
  const open = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    if (req.method === "POST" && req.url === "/__fake/die") {
      for (const other of open) other.socket?.destroy();
      open.clear();
      res.end('{"ok":true}');
      return;
    }
    open.add(res);
    res.once("close", () => open.delete(res));
    void listener(req, res);
  });
  server.listen(port, "127.0.0.1");
  server.unref();
  return server;
}
