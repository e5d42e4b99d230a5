import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { useHarness } from "./harness.js";

const harness = useHarness();

describe("jobs in real QEMU guests", () => {
  it("keeps stdout and stderr apart and reports the exit code", async () => {
    const r = await harness().client.run({
      command: ["/bin/sh", "-c", "echo out; echo err >&2; exit 3"],
    });
    expect(r).toMatchObject({
      status: "failed",
      exitCode: 3,
      stdout: "out\n",
      stderr: "err\n",
      truncated: false,
    });
    expect(r.region).toBe("e2e");
    expect(r.host).toBe("e2e-host");
    expect(["warm", "restore"]).toContain(r.vm.start);
    expect(r.vm.id).toMatch(/^vm-/);
    expect(r.timing.totalMs).toBeGreaterThanOrEqual(r.timing.runMs);
  });

  it("rounds memory up to a tier: many sizes, one template per tier", async () => {
    const templates = async () =>
      (await harness().client.capacity()).images.find((i) => i.name === "base")?.templates ?? 0;
    const before = await templates();
    const memories: number[] = [];
    for (const memoryMiB of [200, 250, 129]) {
      const r = await harness().client.run({
        command: ["sh", "-c", "grep MemTotal /proc/meminfo"],
        memoryMiB,
      });
      expect(r.status).toBe("succeeded");
      memories.push(r.vm.memoryMiB);
      // the guest really has the tier's memory (MemTotal is a little below it)
      const kib = Number(/MemTotal:\s+(\d+) kB/.exec(r.stdout)?.[1]);
      expect(kib / 1024).toBeGreaterThan(200);
      expect(kib / 1024).toBeLessThanOrEqual(256);
    }
    expect(memories).toEqual([256, 256, 256]);
    expect(await templates()).toBe(before + 1);
    const small = await harness().client.run({ command: ["true"], memoryMiB: 96 });
    expect(small.vm.memoryMiB).toBe(128);
  });

  it("succeeds with exit code 0", async () => {
    const r = await harness().client.run({ command: ["echo", "hello"] });
    expect(r).toMatchObject({ status: "succeeded", exitCode: 0, stdout: "hello\n", stderr: "" });
  });

  it("feeds stdin, passes env exactly and runs in cwd", async () => {
    const r = await harness().client.run({
      command: ["/bin/sh", "-c", 'cat; echo "[$GREETING] [$EMPTY]"; pwd; env | sort | grep -c .'],
      stdin: "from stdin\n",
      env: { GREETING: "hi there", EMPTY: "" },
      cwd: "/tmp",
    });
    const lines = r.stdout.split("\n");
    expect(lines[0]).toBe("from stdin");
    expect(lines[1]).toBe("[hi there] []");
    expect(lines[2]).toBe("/tmp");
    // GREETING, EMPTY, plus the PATH and HOME the agent adds, plus the shell's own PWD/SHLVL
    expect(Number(lines[3])).toBeLessThan(10);
  });

  it("writes files before the command runs", async () => {
    const r = await harness().client.run({
      command: ["/bin/sh", "-c", "cat /work/in.txt; cat /etc/app/conf"],
      files: { "/work/in.txt": "line one\n", "/etc/app/conf": "a=b" },
    });
    expect(r.stdout).toBe("line one\na=b");
  });

  it("carries binary output byte for byte (base64)", async () => {
    const r = await harness().client.run({
      command: [
        "/bin/sh",
        "-c",
        "head -c 200000 /dev/urandom > /tmp/b; sha256sum /tmp/b >&2; cat /tmp/b",
      ],
      outputEncoding: "base64",
    });
    const bytes = Buffer.from(r.stdout, "base64");
    expect(bytes.length).toBe(200_000);
    const guestHash = Buffer.from(r.stderr, "base64").toString("utf8").split(" ")[0];
    expect(createHash("sha256").update(bytes).digest("hex")).toBe(guestHash);
  });

  it("caps output and says so", async () => {
    const r = await harness().client.run({
      command: ["head", "-c", "3000000", "/dev/zero"],
      outputEncoding: "base64",
    });
    expect(r.status).toBe("succeeded");
    expect(r.truncated).toBe(true);
    expect(Buffer.from(r.stdout, "base64").length).toBe(1_048_576);
  });

  it("reports a missing program as exit 127", async () => {
    const r = await harness().client.run({ command: ["/no/such/binary"] });
    expect(r.status).toBe("failed");
    expect(r.exitCode).toBe(127);
    expect(r.stderr).toContain("/no/such/binary");
  });

  it("reports a command killed by a signal", async () => {
    const r = await harness().client.run({ command: ["/bin/sh", "-c", "kill -9 $$"] });
    expect(r).toMatchObject({ status: "failed", exitCode: null, signal: "SIGKILL" });
  });

  it("ends a job that runs too long with status timeout and destroys its VM", async () => {
    const t0 = performance.now();
    const r = await harness().client.run({ command: ["sleep", "60"], timeoutMs: 1000 });
    expect(r.status).toBe("timeout");
    expect(r.exitCode).toBeNull();
    expect(r.message).toContain("timeoutMs=1000");
    expect(performance.now() - t0).toBeLessThan(10_000);
  });

  it("runs 8 jobs in parallel, each in its own VM", async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        harness().client.run({ command: ["/bin/sh", "-c", `echo job-${i}`] }),
      ),
    );
    for (const [i, r] of results.entries()) {
      expect(r).toMatchObject({ status: "succeeded", stdout: `job-${i}\n` });
    }
    expect(new Set(results.map((r) => r.vm.id)).size).toBe(8);
  });
});

describe("isolation between jobs", () => {
  it("never shows one job's files to the next", async () => {
    const first = await harness().client.run({
      command: ["/bin/sh", "-c", "echo secret > /tmp/leak; echo x > /root/leak; ls /tmp /root"],
    });
    expect(first.stdout).toContain("leak");
    for (let i = 0; i < 3; i++) {
      const next = await harness().client.run({
        command: ["/bin/sh", "-c", "ls /tmp/leak /root/leak 2>&1; true"],
      });
      expect(next.stdout).toContain("No such file");
      expect(next.vm.id).not.toBe(first.vm.id);
    }
  });

  it("gives every clone its own random state", async () => {
    const read = () =>
      harness().client.run({
        command: ["/bin/sh", "-c", "head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \\n'"],
      });
    const [a, b, c] = await Promise.all([read(), read(), read()]);
    expect(a?.stdout).toMatch(/^[0-9a-f]{64}$/);
    expect(new Set([a?.stdout, b?.stdout, c?.stdout]).size).toBe(3);
  });

  it("sets the guest clock to the host's time", async () => {
    const r = await harness().client.run({ command: ["date", "+%s"] });
    expect(Math.abs(Number(r.stdout.trim()) - Date.now() / 1000)).toBeLessThan(5);
  });

  it("gives the guest no network device", async () => {
    const r = await harness().client.run({ command: ["ls", "/sys/class/net"] });
    expect(r.stdout.trim().split(/\s+/)).toEqual(["lo"]);
  });
});
