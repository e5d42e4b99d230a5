import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EmulatorClient } from "@edgevm/contract";
import type { PoolFileEntry, ScalingConfig } from "@edgevm/emulator/config/pools";
import { type EmulatorConfig, resolveEmulatorConfig } from "@edgevm/emulator/config/resolve";
import { type EmulatorService, startEmulatorService } from "@edgevm/emulator/service";
import { readHostTiming } from "@edgevm/emulator/vm/host-timing";
import { buildKernelCmdline } from "@edgevm/emulator/vm/qemu/args";
import { QemuDriver } from "@edgevm/emulator/vm/qemu/driver";
import { listOurVms } from "@edgevm/emulator/vm/reaper";
import type { Accel, BootImage } from "@edgevm/emulator/vm/types";
import { silentLogger } from "@edgevm/observability";
import { summary } from "./stats.js";

/** A naive boot that has not answered by then is counted as hung (~1 in 5 hang: docs/FACTS.md). */
export const NAIVE_BOOT_DEADLINE_MS = 30_000;
export const ECHO = { command: ["echo", "hello"] };

export interface BenchContext {
  accel: Accel;
  stateDir: string;
  templateDir: string;
  image: BootImage;
  quick: boolean;
  log: (line: string) => void;
}

const ms = (t0: number) => performance.now() - t0;

/** A service on a free port with the given pool bounds; templates come from the shared cache. */
export async function withService<T>(
  ctx: BenchContext,
  pools: PoolFileEntry,
  fn: (svc: EmulatorService, client: EmulatorClient) => Promise<T>,
  limits: Partial<EmulatorConfig["limits"]> = {},
  scaling: Partial<ScalingConfig> = {},
): Promise<T> {
  const runDir = mkdtempSync(join(tmpdir(), "edgevm-bench-"));
  const config = resolveEmulatorConfig(
    {
      emulator: {
        accel: ctx.accel,
        stateDir: ctx.stateDir,
        runDir,
        pools: { base: pools },
        limits: { memoryBudgetMiB: 16_384, ...limits },
        scaling,
      },
    },
    {},
    { port: 0 },
  );
  const svc = await startEmulatorService({ config, logger: silentLogger() });
  try {
    return await fn(svc, new EmulatorClient(svc.url, config.secret));
  } finally {
    await svc.close();
    rmSync(runDir, { recursive: true, force: true });
  }
}

/** Naive baseline: a cold boot of the compressed stock kernel with a stock command line, then echo. */
export async function naiveBoots(ctx: BenchContext, vmlinuz: string) {
  const runDir = mkdtempSync(join(tmpdir(), "edgevm-bench-naive-"));
  const driver = new QemuDriver({
    runDir,
    accel: ctx.accel,
    timing: { tscKhz: undefined, lpj: undefined },
  });
  const times: number[] = [];
  let hangs = 0;
  const n = ctx.quick ? 2 : 3;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    try {
      const vm = await driver.bootCold(
        { image: ctx.image.name, memoryMiB: 128, vcpus: 1 },
        ctx.image,
        {
          kernel: vmlinuz,
          cmdline: "console=ttyS0 panic=-1 rdinit=/init",
          timeoutMs: NAIVE_BOOT_DEADLINE_MS,
        },
      );
      const session = vm.agent.exec({ argv: ECHO.command });
      await session.exit;
      times.push(ms(t0));
      await vm.destroy();
    } catch {
      hangs++;
    }
    ctx.log(
      `  naive boot ${i + 1}/${n}: ${times.length + hangs === i + 1 && times[times.length - 1] ? `${Math.round(times[times.length - 1] ?? 0)} ms` : "hung"}`,
    );
  }
  rmSync(runDir, { recursive: true, force: true });
  return { ...summary(times), hangs, attempts: n };
}

/** Tuned cold boot (uncompressed vmlinux, PVH, tuned flags) to a ready agent, then echo: the `boot` path. */
export async function tunedBoots(ctx: BenchContext) {
  const runDir = mkdtempSync(join(tmpdir(), "edgevm-bench-boot-"));
  const driver = new QemuDriver({
    runDir,
    accel: ctx.accel,
    timing: readHostTiming(ctx.image.kernelVersion),
  });
  const boot: number[] = [];
  const job: number[] = [];
  for (let i = 0; i < (ctx.quick ? 2 : 5); i++) {
    const t0 = performance.now();
    const vm = await driver.bootCold(
      { image: ctx.image.name, memoryMiB: 128, vcpus: 1 },
      ctx.image,
    );
    boot.push(ms(t0));
    await vm.agent.exec({ argv: ECHO.command }).exit;
    job.push(ms(t0));
    await vm.destroy();
  }
  rmSync(runDir, { recursive: true, force: true });
  return {
    boot: summary(boot),
    job: summary(job),
    cmdline: buildKernelCmdline(readHostTiming(ctx.image.kernelVersion)),
  };
}

/** Template boot: boot, warm up and save a template (what every clone is restored from). */
export async function templateBoots(ctx: BenchContext) {
  // next to the service's own templates (tmpfs by default), as the service boots them
  mkdirSync(ctx.templateDir, { recursive: true });
  const runDir = mkdtempSync(join(ctx.templateDir, "bench-"));
  const driver = new QemuDriver({
    runDir,
    accel: ctx.accel,
    timing: readHostTiming(ctx.image.kernelVersion),
  });
  const boot: number[] = [];
  const total: number[] = [];
  for (let i = 0; i < (ctx.quick ? 1 : 3); i++) {
    const t0 = performance.now();
    const snap = await driver.bootTemplate(
      { image: ctx.image.name, memoryMiB: 128, vcpus: 1 },
      ctx.image,
      join(runDir, `t${i}`),
    );
    total.push(ms(t0));
    boot.push(snap.bootMs);
  }
  rmSync(runDir, { recursive: true, force: true });
  return { bootToReady: summary(boot), bootAndSave: summary(total) };
}

/** Waits until the pool is full (warm and pre-spawned), so no refill competes with a measured job. */
async function waitForFullPool(
  client: EmulatorClient,
  pools: { warm: number; spawned: number },
  timeoutMs: number,
): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const image = (await client.capacity()).images.find((i) => i.name === "base");
    if ((image?.warm ?? 0) >= pools.warm && (image?.spawned ?? 0) >= pools.spawned) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

/** Jobs at the API on a warm VM, one at a time, each after the pool has refilled. */
export async function warmJobs(ctx: BenchContext) {
  return withService(ctx, { warm: 2, spawned: 2 }, async (_svc, client) => {
    const latency: number[] = [];
    const starts: Record<string, number> = {};
    for (let i = 0; i < (ctx.quick ? 15 : 50); i++) {
      await waitForFullPool(client, { warm: 2, spawned: 2 }, 10_000);
      const t0 = performance.now();
      const result = await client.run(ECHO);
      latency.push(ms(t0));
      starts[result.vm.start] = (starts[result.vm.start] ?? 0) + 1;
      if (result.stdout !== "hello\n")
        throw new Error(`unexpected output ${JSON.stringify(result.stdout)}`);
    }
    return { latency: summary(latency), starts };
  });
}

/** Jobs on a pool miss: no warm VM; a pre-spawned clone is restored, or a clone is spawned then restored. */
export async function missJobs(ctx: BenchContext) {
  // max 0: the autoscaler must not add warm VMs between measured jobs
  const run = (pools: { min: 0; max: 0; spawned: number }) =>
    withService(ctx, pools, async (svc, client) => {
      const latency: number[] = [];
      for (let i = 0; i < (ctx.quick ? 5 : 15); i++) {
        if (pools.spawned) {
          const deadline = performance.now() + 10_000;
          while (
            (await client.capacity()).images[0]?.spawned === 0 &&
            performance.now() < deadline
          ) {
            await new Promise((r) => setTimeout(r, 20));
          }
        }
        const t0 = performance.now();
        const result = await client.run(ECHO);
        latency.push(ms(t0));
        if (result.vm.start !== "restore")
          throw new Error(`expected a restore, got ${result.vm.start}`);
      }
      void svc;
      return summary(latency);
    });
  return {
    preSpawned: await run({ min: 0, max: 0, spawned: 2 }),
    spawnOnDemand: await run({ min: 0, max: 0, spawned: 0 }),
  };
}

/** Fresh-VM jobs per second with `concurrency` callers in a closed loop for `seconds`. */
export async function throughput(ctx: BenchContext, concurrency: number, seconds: number) {
  return withService(
    ctx,
    { warm: 4, spawned: 4 },
    async (_svc, client) => {
      const vms = new Set<string>();
      const starts: Record<string, number> = {};
      let done = 0;
      let failed = 0;
      const latency: number[] = [];
      const t0 = performance.now();
      const end = t0 + seconds * 1000;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (performance.now() < end) {
            const t1 = performance.now();
            try {
              const r = await client.run(ECHO);
              if (r.status !== "succeeded") failed++;
              else done++;
              vms.add(r.vm.id);
              starts[r.vm.start] = (starts[r.vm.start] ?? 0) + 1;
              latency.push(ms(t1));
            } catch {
              failed++;
            }
          }
        }),
      );
      const elapsedS = ms(t0) / 1000;
      return {
        jobsPerSecond: done / elapsedS,
        done,
        failed,
        distinctVms: vms.size,
        starts,
        latency: summary(latency),
        elapsedS,
      };
    },
    { slots: concurrency },
  );
}

function smapsRollup(pid: number): { privateKiB: number; pssKiB: number } {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
  const field = (name: string) =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? 0);
  return { privateKiB: field("Private_Clean") + field("Private_Dirty"), pssKiB: field("Pss") };
}

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

/** Private memory and idle CPU of `count` idle warm VMs. */
export async function idleMemory(ctx: BenchContext, count: number) {
  return withService(
    ctx,
    { warm: count, spawned: 0 },
    async (svc, client) => {
      const cap = await client.capacity();
      const warm = cap.images[0]?.warm ?? 0;
      const pids = listOurVms(svc.config.runDir);
      const mem = pids.map(smapsRollup);
      const ticks0 = pids.map(cpuTicks);
      const windowS = 5;
      await new Promise((r) => setTimeout(r, windowS * 1000));
      const ticks =
        pids.map(cpuTicks).reduce((a, b) => a + b, 0) - ticks0.reduce((a, b) => a + b, 0);
      const cpuPercentPerVm = pids.length
        ? (ticks / 100 / windowS / pids.length) * 100
        : Number.NaN;
      return {
        warm,
        measured: pids.length,
        privateMiB: summary(mem.map((m) => m.privateKiB / 1024)),
        pssMiB: summary(mem.map((m) => m.pssKiB / 1024)),
        cpuPercentPerVm,
      };
    },
    { slots: 8, memoryBudgetMiB: 16_384 },
  );
}
