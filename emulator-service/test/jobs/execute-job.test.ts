/** executeJob against the real guest agent (agent.c built with the host gcc, run with --stdio). */
import { type ChildProcessByStdio, spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Duplex, type Readable, type Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import type { JobSpec } from "@edgevm/contract";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { executeJob, type JobVm } from "../../src/jobs/execute.js";
import { AgentChannel } from "../../src/protocol/index.js";
import type { VmExit } from "../../src/vm/types.js";

const AGENT_SOURCE = fileURLToPath(new URL("../../agent/agent.c", import.meta.url));
const HAVE_GCC = spawnSync("gcc", ["--version"], { stdio: "ignore" }).status === 0;

interface FakeVm extends JobVm {
  child: ChildProcessByStdio<Writable, Readable, null>;
}

/** An `onOutput` listener and a promise that resolves on the job's first output: it is running. */
function firstOutput(): { seen: Promise<void>; onOutput: () => void } {
  let onOutput = (): void => undefined;
  const seen = new Promise<void>((resolve) => {
    onOutput = () => resolve();
  });
  return { seen, onOutput };
}

describe.skipIf(!HAVE_GCC)("executeJob with the host-mode guest agent", () => {
  let dir: string;
  let binary: string;
  let work: string;
  const vms: FakeVm[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "edgevm-exec-"));
    binary = join(dir, "agent");
    const result = spawnSync("gcc", ["-O1", "-o", binary, AGENT_SOURCE], { encoding: "utf8" });
    if (result.status !== 0) throw new Error(`gcc failed:\n${result.stderr}`);
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  let workCount = 0;
  const newWorkDir = (): string => {
    work = join(dir, `work-${++workCount}`);
    mkdirSync(work, { recursive: true });
    return work;
  };

  async function startVm(): Promise<FakeVm> {
    const child = spawn(binary, ["--stdio"], { stdio: ["pipe", "pipe", "inherit"] });
    const exited = new Promise<VmExit>((resolve) =>
      child.on("close", (code, signal) =>
        resolve({ requested: false, code, signal, consoleTail: "" }),
      ),
    );
    const agent = new AgentChannel(Duplex.from({ readable: child.stdout, writable: child.stdin }));
    const vm: FakeVm = { agent, exited, child };
    vms.push(vm);
    await agent.waitReady(5_000);
    return vm;
  }

  afterEach(async () => {
    for (const vm of vms.splice(0)) {
      // closing the stream makes the agent kill its sessions and exit; SIGKILL if it does not
      vm.agent.close();
      const done = await Promise.race([
        vm.exited.then(() => true),
        new Promise<false>((resolve) => setTimeout(() => resolve(false), 2_000)),
      ]);
      if (!done) vm.child.kill("SIGKILL");
      await vm.exited;
    }
  });

  function job(overrides: Partial<JobSpec>): JobSpec {
    return {
      command: ["/bin/true"],
      image: "base",
      stdin: undefined,
      env: {},
      files: {},
      cwd: work,
      timeoutMs: 10_000,
      memoryMiB: 128,
      vcpus: 1,
      outputEncoding: "utf8",
      ...overrides,
    };
  }

  const sh = (script: string, overrides: Partial<JobSpec> = {}) =>
    job({ command: ["/bin/sh", "-c", script], ...overrides });

  it("exit 0 → succeeded", async () => {
    newWorkDir();
    const vm = await startVm();
    const outcome = await executeJob(vm, sh("echo hello"), { maxOutputBytes: 1_000 });
    expect(outcome.status).toBe("succeeded");
    expect(outcome.exitCode).toBe(0);
    expect(outcome.signal).toBeNull();
    expect(outcome.stdout.toString()).toBe("hello\n");
    expect(outcome.stderr.length).toBe(0);
    expect(outcome.truncated).toBe(false);
    expect(outcome.message).toBeUndefined();
    expect(outcome.runMs).toBeGreaterThanOrEqual(0);
  });

  it("exit 3 → failed with exitCode 3", async () => {
    newWorkDir();
    const vm = await startVm();
    const outcome = await executeJob(vm, sh("exit 3"), { maxOutputBytes: 1_000 });
    expect(outcome.status).toBe("failed");
    expect(outcome.exitCode).toBe(3);
    expect(outcome.signal).toBeNull();
  });

  it("a command killed by a signal → failed with the signal name and no exit code", async () => {
    newWorkDir();
    const vm = await startVm();
    const outcome = await executeJob(vm, sh("kill -TERM $$"), { maxOutputBytes: 1_000 });
    expect(outcome.status).toBe("failed");
    expect(outcome.exitCode).toBeNull();
    expect(outcome.signal).toBe("SIGTERM");
  });

  it("splits stdout and stderr and reports them through onOutput", async () => {
    newWorkDir();
    const vm = await startVm();
    const seen: { stream: string; text: string }[] = [];
    const outcome = await executeJob(vm, sh("echo out; echo err >&2; printf more"), {
      maxOutputBytes: 1_000,
      onOutput: (stream, data) => seen.push({ stream, text: Buffer.from(data).toString() }),
    });
    expect(outcome.status).toBe("succeeded");
    expect(outcome.stdout.toString()).toBe("out\nmore");
    expect(outcome.stderr.toString()).toBe("err\n");
    const streamed = (name: string) =>
      seen
        .filter((s) => s.stream === name)
        .map((s) => s.text)
        .join("");
    expect(streamed("stdout")).toBe("out\nmore");
    expect(streamed("stderr")).toBe("err\n");
  });

  it("passes stdin, env and cwd to the command", async () => {
    const cwd = newWorkDir();
    const vm = await startVm();
    const outcome = await executeJob(
      vm,
      sh('read line; echo "$line|$GREETING|$(pwd)"', {
        stdin: "from stdin\n",
        env: { GREETING: "hi there" },
      }),
      { maxOutputBytes: 1_000 },
    );
    expect(outcome.status).toBe("succeeded");
    expect(outcome.stdout.toString()).toBe(`from stdin|hi there|${cwd}\n`);
  });

  it("closes stdin when there is none (cat ends at once)", async () => {
    newWorkDir();
    const vm = await startVm();
    const outcome = await executeJob(vm, job({ command: ["/bin/cat"], timeoutMs: 5_000 }), {
      maxOutputBytes: 1_000,
    });
    expect(outcome.status).toBe("succeeded");
    expect(outcome.stdout.length).toBe(0);
  });

  it("caps output at maxOutputBytes and marks it truncated", async () => {
    newWorkDir();
    const vm = await startVm();
    let streamedBytes = 0;
    const outcome = await executeJob(vm, sh("head -c 5000 /dev/zero"), {
      maxOutputBytes: 1_000,
      onOutput: (_stream, data) => {
        streamedBytes += data.length;
      },
    });
    expect(outcome.status).toBe("succeeded");
    expect(outcome.truncated).toBe(true);
    expect(outcome.stdout.length).toBe(1_000);
    expect(outcome.stdout.every((b) => b === 0)).toBe(true);
    // only the kept bytes are streamed
    expect(streamedBytes).toBe(1_000);
  });

  it("caps each stream separately", async () => {
    newWorkDir();
    const vm = await startVm();
    const outcome = await executeJob(vm, sh("head -c 50 /dev/zero; head -c 300 /dev/zero >&2"), {
      maxOutputBytes: 100,
    });
    expect(outcome.stdout.length).toBe(50);
    expect(outcome.stderr.length).toBe(100);
    expect(outcome.truncated).toBe(true);
  });

  it("output of exactly maxOutputBytes is not truncated", async () => {
    newWorkDir();
    const vm = await startVm();
    const outcome = await executeJob(vm, sh("head -c 1000 /dev/zero"), { maxOutputBytes: 1_000 });
    expect(outcome.stdout.length).toBe(1_000);
    expect(outcome.truncated).toBe(false);
  });

  it("a command running past timeoutMs → timeout, quickly", async () => {
    newWorkDir();
    const vm = await startVm();
    const started = performance.now();
    const outcome = await executeJob(vm, sh("echo started; sleep 5", { timeoutMs: 300 }), {
      maxOutputBytes: 1_000,
    });
    const elapsed = performance.now() - started;
    expect(outcome.status).toBe("timeout");
    expect(outcome.exitCode).toBeNull();
    expect(outcome.signal).toBeNull();
    expect(outcome.message).toContain("timeoutMs=300");
    expect(outcome.stdout.toString()).toBe("started\n");
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(2_000);
  });

  it("writes the job's files before the command runs", async () => {
    const cwd = newWorkDir();
    const vm = await startVm();
    const script = join(cwd, "bin", "run.sh");
    const data = join(cwd, "data", "input.txt");
    const outcome = await executeJob(
      vm,
      job({
        command: ["/bin/sh", script],
        files: { [script]: `cat ${data}\necho done\n`, [data]: "héllo from a file\n" },
      }),
      { maxOutputBytes: 1_000 },
    );
    expect(outcome.status).toBe("succeeded");
    expect(outcome.stdout.toString()).toBe("héllo from a file\ndone\n");
    expect(readFileSync(data, "utf8")).toBe("héllo from a file\n");
    expect(statSync(data).mode & 0o777).toBe(0o644);
  });

  it("a file that cannot be written → crashed with the agent's error, command not run", async () => {
    const cwd = newWorkDir();
    const vm = await startVm();
    const marker = join(cwd, "ran");
    const outcome = await executeJob(
      vm,
      job({
        command: ["/bin/sh", "-c", `touch ${marker}`],
        // a regular file used as a directory: ENOTDIR
        files: { "/dev/null/impossible": "x" },
      }),
      { maxOutputBytes: 1_000 },
    );
    expect(outcome.status).toBe("crashed");
    expect(outcome.message).toMatch(/the guest agent failed/);
    expect(() => statSync(marker)).toThrow();
  });

  it("a command that does not exist → failed with exit 127 and the reason on stderr", async () => {
    newWorkDir();
    const vm = await startVm();
    const missing = "/nonexistent/edgevm-no-such-binary";
    const outcome = await executeJob(vm, job({ command: [missing] }), { maxOutputBytes: 1_000 });
    expect(outcome.status).toBe("failed");
    expect(outcome.exitCode).toBe(127);
    expect(outcome.stderr.toString()).toBe(`edgevm: ${missing}: No such file or directory\n`);
  });

  it("the agent process killed mid-run → crashed, explained by the VM exit", async () => {
    newWorkDir();
    const vm = await startVm();
    const { seen, onOutput } = firstOutput();
    const running = executeJob(vm, sh("echo before; sleep 5"), { maxOutputBytes: 1_000, onOutput });
    await seen;
    vm.child.kill("SIGKILL");
    const started = performance.now();
    const outcome = await running;
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(outcome.status).toBe("crashed");
    expect(outcome.exitCode).toBeNull();
    expect(outcome.message).toBe("the VM's QEMU process was killed by SIGKILL");
    expect(outcome.stdout.toString()).toBe("before\n");
  });

  it("an abort by the caller → crashed with the abort message", async () => {
    newWorkDir();
    const vm = await startVm();
    const controller = new AbortController();
    const { seen, onOutput } = firstOutput();
    const running = executeJob(vm, sh("echo running; sleep 5"), {
      maxOutputBytes: 1_000,
      signal: controller.signal,
      onOutput,
    });
    await seen;
    controller.abort();
    const outcome = await running;
    expect(outcome.status).toBe("crashed");
    expect(outcome.message).toContain("caller went away");
  });

  it("an already-aborted signal ends at once", async () => {
    newWorkDir();
    const vm = await startVm();
    const outcome = await executeJob(vm, sh("sleep 5"), {
      maxOutputBytes: 1_000,
      signal: AbortSignal.abort(),
    });
    expect(outcome.status).toBe("crashed");
    expect(outcome.message).toContain("caller went away");
  });
});
