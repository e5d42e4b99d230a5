import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { listOurVms } from "@edgevm/emulator/vm/reaper";
import { EDGEVM_BIN } from "@edgevm/runtime/emulator-process";
import { afterAll, describe, expect, it } from "vitest";
import { cleanup, leftovers, startHarness } from "./harness.js";

const children: ChildProcess[] = [];
const dirs: string[] = [];

afterAll(() => {
  for (const child of children) child.kill("SIGKILL");
  for (const dir of dirs) cleanup(dir);
});

/** Starts `edgevm emulator` as its own process and resolves with its URL once it says ready. */
function startEmulatorProcess(runDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [EDGEVM_BIN, "emulator", "--port", "0", "--warm", "2", "--spawned", "2"],
    {
      env: { ...process.env, EDGEVM_RUN_DIR: runDir, EDGEVM_LOG_LEVEL: "warn" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const url = /ready: (http:\/\/\S+)/.exec(out)?.[1];
      if (url) resolve({ child, url });
    });
    child.once("exit", (code) =>
      reject(new Error(`emulator exited (${code}) before it was ready: ${out}`)),
    );
  });
}

describe("service lifecycle", () => {
  it("reaps the VMs a crashed service left behind when it starts again", async () => {
    const runDir = mkdtempSync(join(tmpdir(), "edgevm-e2e-life-"));
    dirs.push(runDir);
    const first = await startEmulatorProcess(runDir);
    const orphans = listOurVms(runDir);
    expect(orphans.length).toBeGreaterThanOrEqual(4);
    first.child.kill("SIGKILL");
    await new Promise((r) => first.child.once("exit", r));
    // QEMU does not die with its parent: these are real orphans now
    expect(listOurVms(runDir).length).toBe(orphans.length);

    const second = await startEmulatorProcess(runDir);
    const now = listOurVms(runDir);
    for (const pid of orphans) expect(now).not.toContain(pid);
    const health = await fetch(new URL("/healthz", second.url));
    expect(health.status).toBe(200);

    second.child.kill("SIGTERM");
    const code = await new Promise((r) => second.child.once("exit", r));
    expect(code).toBe(0);
    expect(leftovers(runDir)).toEqual({ processes: [], files: [] });
  });

  it("detects a corrupted template and rebuilds it", async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "edgevm-e2e-state-"));
    dirs.push(stateDir);
    const templateDir = join(stateDir, "templates");
    const first = await startHarness({
      stateDir,
      templateDir,
      pools: { base: { warm: 0, spawned: 0 } },
    });
    expect((await first.client.run({ command: ["echo", "one"] })).stdout).toBe("one\n");
    await first.stop();
    cleanup(first.runDir);

    const accelDir = join(templateDir, first.service.accel.accel);
    const [templateName] = readdirSync(accelDir);
    const snapshotDir = join(accelDir, templateName ?? "");
    const before = JSON.parse(readFileSync(join(snapshotDir, "manifest.json"), "utf8")) as {
      createdAt: string;
    };
    const fd = openSync(join(snapshotDir, "ram"), "r+");
    writeSync(fd, Buffer.alloc(4096, 0xcc), 0, 4096, 1024 * 1024);
    closeSync(fd);

    const second = await startHarness({
      stateDir,
      templateDir,
      pools: { base: { warm: 0, spawned: 0 } },
    });
    try {
      const after = JSON.parse(readFileSync(join(snapshotDir, "manifest.json"), "utf8")) as {
        createdAt: string;
      };
      expect(after.createdAt).not.toBe(before.createdAt);
      expect((await second.client.run({ command: ["echo", "two"] })).stdout).toBe("two\n");
    } finally {
      await second.stop();
      cleanup(second.runDir);
    }
  });
});
