import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { resolveEmulatorConfig } from "@edgevm/emulator/config/resolve";
import { createConsoleReporter } from "@edgevm/emulator/images";
import { prepareImages } from "@edgevm/emulator/service";
import { chooseAccel } from "@edgevm/emulator/vm/accel";
import { readHostTiming } from "@edgevm/emulator/vm/host-timing";
import { silentLogger } from "@edgevm/observability";
import { breakdown } from "./breakdown.js";
import { edgeBench } from "./edge.js";
import { runLoadBench } from "./load.js";
import { DEFAULT_STEPS } from "./load-plan.js";
import {
  type BenchContext,
  idleMemory,
  missJobs,
  naiveBoots,
  templateBoots,
  throughput,
  tunedBoots,
  warmJobs,
} from "./scenarios.js";
import { type Row, renderTable } from "./stats.js";

/** `bench/results/` (git-ignored), beside `src/` and `dist/`. */
const RESULTS_DIR = join(import.meta.dirname, "..", "results");

/**
 * `edgevm bench [--quick] [--idle-vms N] [--seconds S]`: prints a table and writes JSON.
 * `edgevm bench --load [--steps rate:s,…] [--seed N] [--fill-concurrency N]`: the open-loop load
 * test (bench/load.ts).
 */
export async function runBench(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: "boolean", default: false },
      "idle-vms": { type: "string", default: "50" },
      seconds: { type: "string", default: "20" },
      concurrency: { type: "string", default: "4" },
      out: { type: "string" },
      load: { type: "boolean", default: false },
      breakdown: { type: "boolean", default: false },
      steps: { type: "string", default: DEFAULT_STEPS },
      seed: { type: "string", default: "1" },
      "fill-concurrency": { type: "string" },
    },
  });
  const quick = values.quick ?? false;
  const idleVms = Number(values["idle-vms"]);
  const seconds = Number(values.seconds);
  const concurrency = Number(values.concurrency);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const config = resolveEmulatorConfig({}, process.env);
  const images = await prepareImages(config.stateDir, silentLogger(), createConsoleReporter());
  const image = images.get("base");
  if (!image) throw new Error("no base image");
  const accel = await chooseAccel({
    preference: config.accel,
    image,
    runDir: join(config.runDir, "bench-probe"),
    stateDir: config.stateDir,
    timing: readHostTiming(image.kernelVersion),
    logger: silentLogger(),
  });
  const ctx: BenchContext = {
    accel: accel.accel,
    stateDir: config.stateDir,
    templateDir: config.templateDir,
    image,
    quick,
    log,
  };
  log(`edgevm bench: accel ${accel.accel} (${accel.reason}), ${cpus().length} cores`);
  if (values.breakdown) {
    const result = await breakdown(ctx);
    process.stdout.write(`\n${renderTable(result.rows)}\n\n`);
    mkdirSync(RESULTS_DIR, { recursive: true });
    const out = values.out ?? join(RESULTS_DIR, "breakdown-latest.json");
    writeFileSync(
      out,
      `${JSON.stringify({ date: new Date().toISOString(), accel, ...result }, null, 2)}\n`,
    );
    process.stdout.write(`results: ${out}\n`);
    return 0;
  }
  if (values.load)
    return runLoadBench(ctx, {
      steps: values.steps ?? DEFAULT_STEPS,
      seed: Number(values.seed),
      out: values.out,
      fillConcurrency:
        values["fill-concurrency"] === undefined ? undefined : Number(values["fill-concurrency"]),
    });

  log("1/8 naive cold boot of the stock kernel (baseline) …");
  const naive = await naiveBoots(ctx, `/boot/vmlinuz-${image.kernelVersion}`);
  log("2/8 tuned cold boot …");
  const tuned = await tunedBoots(ctx);
  log("3/8 template boot …");
  const template = await templateBoots(ctx);
  log("4/8 jobs on a pool miss …");
  const miss = await missJobs(ctx);
  log("5/8 jobs on a warm VM …");
  const warm = await warmJobs(ctx);
  log(`6/8 fresh-VM jobs/s at concurrency ${concurrency} for ${seconds} s …`);
  const rate = await throughput(ctx, concurrency, quick ? Math.min(seconds, 8) : seconds);
  log(`7/8 memory of ${idleVms} idle warm VMs …`);
  const idle = await idleMemory(ctx, quick ? Math.min(idleVms, 10) : idleVms);
  log("8/8 the edge: Worker hop latency and front door requests/s …");
  const edge = await edgeBench({ jobs: quick ? 10 : 30 });

  const naiveJob = naive.p50;
  const rows: Row[] = [
    {
      metric: "naive cold boot + echo (stock vmlinuz), p50",
      value: naive.p50,
      unit: "ms",
      note: `${naive.hangs}/${naive.attempts} hung (>${30} s)`,
    },
    {
      metric: "tuned cold boot to agent ready, p50",
      value: tuned.boot.p50,
      unit: "ms",
      baseline: naiveJob,
    },
    {
      metric: "template boot to agent ready, p50",
      value: template.bootToReady.p50,
      unit: "ms",
      target: { op: "<=", value: 1500 },
      baseline: naiveJob,
    },
    { metric: "template boot + warm-up + save, p50", value: template.bootAndSave.p50, unit: "ms" },
    {
      metric: "job on pool miss (pre-spawned clone), p50",
      value: miss.preSpawned.p50,
      unit: "ms",
      target: { op: "<=", value: 200 },
      baseline: naiveJob,
    },
    {
      metric: "job on pool miss (spawn on demand), p50",
      value: miss.spawnOnDemand.p50,
      unit: "ms",
      baseline: naiveJob,
    },
    {
      metric: "echo job on a warm VM at the API, p50",
      value: warm.latency.p50,
      unit: "ms",
      target: { op: "<=", value: 25 },
      baseline: naiveJob,
    },
    {
      metric: "echo job on a warm VM at the API, p99",
      value: warm.latency.p99,
      unit: "ms",
      baseline: naiveJob,
    },
    {
      metric: `fresh-VM jobs/s at concurrency ${concurrency}`,
      value: rate.jobsPerSecond,
      unit: "jobs/s",
      target: { op: ">=", value: 12 },
      note: `${rate.done} jobs in ${rate.distinctVms} VMs, ${rate.failed} failed; naive: ${((1000 / naiveJob) * concurrency).toFixed(2)}/s at best`,
    },
    {
      metric: `private memory per idle warm VM (${idle.measured} VMs), mean`,
      value: idle.privateMiB.mean,
      unit: "MiB",
      target: { op: "<=", value: 20 },
      note: `max ${idle.privateMiB.max.toFixed(1)}, PSS mean ${idle.pssMiB.mean.toFixed(1)}`,
    },
    { metric: "idle CPU per warm VM", value: idle.cpuPercentPerVm, unit: "% core" },
    { metric: "echo job on a warm VM, emulator directly, p50", value: edge.direct.p50, unit: "ms" },
    {
      metric: "echo job on a warm VM via front door + region Worker, p50",
      value: edge.viaFrontDoor.p50,
      unit: "ms",
    },
    {
      metric: "latency the Worker hops add, p50",
      value: edge.hopP50Ms,
      unit: "ms",
      target: { op: "<=", value: 3 },
    },
    {
      metric: "front door requests/s (GET /healthz, no VM)",
      value: edge.frontDoorHealthzRps,
      unit: "req/s",
      target: { op: ">=", value: 8000 },
      note: edge.wrk,
    },
  ];
  const table = renderTable(rows);
  process.stdout.write(`\n${table}\n\n`);
  const report = {
    date: new Date().toISOString(),
    machine: {
      cores: cpus().length,
      cpu: cpus()[0]?.model,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
    },
    accel,
    quick,
    rows,
    raw: { naive, tuned, template, miss, warm, throughput: rate, idle, edge },
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  const out = values.out ?? join(RESULTS_DIR, `bench-${report.date.replace(/[:.]/g, "-")}.json`);
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(RESULTS_DIR, "latest.json"), `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`results: ${out}\n`);
  return 0;
}
