import { readFileSync } from "node:fs";
import type { StreamEvent } from "@edgevm/contract";
import { listOurVms } from "@edgevm/emulator/vm/reaper";
import { describe, expect, it } from "vitest";
import { useHarness } from "./harness.js";

const harness = useHarness();

function pidOfVm(vmId: string): number | undefined {
  return listOurVms(harness().runDir).find((pid) =>
    readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(`edgevm:${vmId}\0`),
  );
}

describe("streaming", () => {
  it("streams output while the command still runs", async () => {
    const events: { event: StreamEvent; at: number }[] = [];
    const t0 = performance.now();
    for await (const event of harness().client.stream({
      command: ["/bin/sh", "-c", "echo first; sleep 1.5; echo second >&2; exit 4"],
    })) {
      events.push({ event, at: performance.now() - t0 });
    }
    expect(events.map((e) => e.event.event)).toEqual(["start", "stdout", "stderr", "exit"]);
    const [start, first, second, exit] = events;
    expect(start?.event.data).toMatchObject({ region: "e2e", host: "e2e-host" });
    expect(first?.event.data).toEqual({ data: "first\n" });
    expect(second?.event.data).toEqual({ data: "second\n" });
    expect(exit?.event.data).toMatchObject({
      status: "failed",
      exitCode: 4,
      stdout: "first\n",
      stderr: "second\n",
    });
    // the first line arrived well before the command ended
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThan(1000);
  });
});

describe("crashes", () => {
  it("ends a job whose guest kernel panics with status crashed", async () => {
    const r = await harness().client.run({
      command: ["/bin/sh", "-c", "echo about to panic; echo c > /proc/sysrq-trigger; sleep 30"],
    });
    expect(r.status).toBe("crashed");
    expect(r.exitCode).toBeNull();
    expect(r.message).toMatch(/panic/i);
  });

  it("ends a job whose QEMU is killed with status crashed", async () => {
    const stream = harness().client.stream({ command: ["/bin/sh", "-c", "echo ready; sleep 30"] });
    let killed = false;
    let exit: StreamEvent | undefined;
    for await (const event of stream) {
      if (event.event === "start") {
        const pid = pidOfVm(event.data.vm.id);
        if (pid === undefined) throw new Error(`no QEMU process for ${event.data.vm.id}`);
        process.kill(pid, "SIGKILL");
        killed = true;
      }
      if (event.event === "exit") exit = event;
    }
    expect(killed).toBe(true);
    expect(exit?.data).toMatchObject({ status: "crashed", exitCode: null });
    expect(exit?.event === "exit" && exit.data.message).toMatch(/SIGKILL|QEMU/);
  });

  it("stays healthy after crashes", async () => {
    const r = await harness().client.run({ command: ["echo", "still here"] });
    expect(r).toMatchObject({ status: "succeeded", stdout: "still here\n" });
    // the slot is freed once the VM is gone, a few ms after the result: poll, with a deadline
    const deadline = performance.now() + 2_000;
    let cap = await harness().client.capacity();
    while (cap.slots.busy > 0 && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      cap = await harness().client.capacity();
    }
    expect(cap.slots.busy).toBe(0);
  });
});

describe("service endpoints", () => {
  it("reports capacity for a scheduler", async () => {
    const cap = await harness().client.capacity();
    expect(cap).toMatchObject({ region: "e2e", host: "e2e-host", slots: { total: 8 } });
    expect(["kvm", "tcg"]).toContain(cap.accel);
    expect(cap.images.map((i) => i.name)).toContain("base");
    expect(cap.memory.budgetMiB).toBeGreaterThan(cap.memory.usedMiB);
  });

  it("serves /healthz and Prometheus /metrics without a signature", async () => {
    const health = await fetch(new URL("/healthz", harness().service.url));
    expect(health.status).toBe(200);
    const metrics = await (await fetch(new URL("/metrics", harness().service.url))).text();
    expect(metrics).toMatch(/edgevm_jobs_total\{status="succeeded"\} \d+/);
    expect(metrics).toMatch(/edgevm_jobs_total\{status="crashed"\} [1-9]/);
    expect(metrics).toMatch(/edgevm_vm_start_seconds_count\{source="(warm|restore)"\} [1-9]/);
    expect(metrics).toMatch(/edgevm_pool_vms\{image="base",state="warm"\} \d+/);
  });
});
