/**
 * `edgevm bench --load`: an open-loop load test. Jobs arrive as a Poisson process whose rate
 * steps (default 1 → 10 → 30 → 5 jobs/s); each arrival fires an echo job without waiting for any
 * earlier one. Samples `/v1/capacity` every 250 ms; prints per-step statistics, writes JSON and
 * an SVG chart to bench/results/.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { EmulatorApiError, type EmulatorClient } from "@edgevm/contract";
import {
  arrivalSchedule,
  type JobRecord,
  parseSteps,
  rollingP99,
  type Step,
  stepBounds,
  stepStatistics,
} from "./load-plan.js";
import { loadRows } from "./load-report.js";
import { type BenchContext, withService } from "./scenarios.js";
import { renderTable } from "./stats.js";
import { type PoolSample, renderLoadSvg } from "./svg.js";

/** `bench/results/` (git-ignored), beside `src/` and `dist/`. */
const RESULTS_DIR = join(import.meta.dirname, "..", "results");
const SAMPLE_EVERY_MS = 250;
/** the job's own timeout; a job without an answer by this + LOST_GRACE_MS is lost */
const JOB_TIMEOUT_MS = 30_000;
const LOST_GRACE_MS = 30_000;

type ServicePools = Parameters<typeof withService>[1];
type ServiceLimits = NonNullable<Parameters<typeof withService>[3]>;
type ServiceScaling = NonNullable<Parameters<typeof withService>[4]>;

/**
 * The pool and limits the load test's service starts with: the one place that knows the shape
 * of the pool settings (static targets today; min/max once the autoscaler lands).
 */
export function loadServiceSettings(fillConcurrency?: number): {
  pools: ServicePools;
  limits: ServiceLimits;
  scaling: ServiceScaling;
} {
  // autoscaled between 2 and 16 warm VMs (2 per slot); the legacy shape was { warm: 2, spawned: 2 }
  return {
    pools: { min: 2, max: 16, spawned: 2 },
    limits: { slots: 8 },
    // the host's default (one fill worker per two cores) unless the run asks for another
    scaling: fillConcurrency === undefined ? {} : { fillConcurrency },
  };
}

export interface LoadOptions {
  steps: string;
  seed: number;
  /** VMs each pool prepares in parallel (`scaling.fillConcurrency`); the host's default if unset */
  fillConcurrency?: number | undefined;
  out?: string | undefined;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));

/** Fires one job and records how it ended; never throws. */
async function fire(client: EmulatorClient, record: JobRecord): Promise<void> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const lost = new Promise<"lost">((r) => {
    timer = setTimeout(() => r("lost"), JOB_TIMEOUT_MS + LOST_GRACE_MS);
  });
  try {
    const answer = await Promise.race([
      client.run({ command: ["echo", "hello"], timeoutMs: JOB_TIMEOUT_MS }),
      lost,
    ]);
    if (answer === "lost") {
      record.outcome = "lost";
      return;
    }
    record.latencyMs = performance.now() - started;
    record.start = answer.vm.start;
    const ok = answer.status === "succeeded" && answer.stdout === "hello\n";
    record.outcome = ok ? "succeeded" : "failed";
    if (!ok) record.detail = `${answer.status}: ${answer.message ?? answer.stdout.slice(0, 80)}`;
  } catch (err) {
    record.latencyMs = performance.now() - started;
    const refused = err instanceof EmulatorApiError && (err.status === 429 || err.status === 503);
    record.outcome = refused ? "refused" : "error";
    record.detail = err instanceof Error ? err.message : String(err);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits until the pool holds warm VMs and has stopped changing for 1 s (at most 30 s). */
async function waitForSettledPool(client: EmulatorClient): Promise<void> {
  const deadline = performance.now() + 30_000;
  let last = "";
  let since = performance.now();
  while (performance.now() < deadline) {
    const image = (await client.capacity()).images[0];
    const now = `${image?.warm ?? 0}/${image?.spawned ?? 0}`;
    if (now !== last) {
      last = now;
      since = performance.now();
    } else if ((image?.warm ?? 0) > 0 && performance.now() - since >= 1000) return;
    await sleep(100);
  }
}

/** Samples the pool and slots every SAMPLE_EVERY_MS until `stop()` is called. */
function sampleCapacity(client: EmulatorClient, t0: number) {
  const samples: PoolSample[] = [];
  let running = true;
  const loop = (async () => {
    let next = performance.now();
    while (running) {
      try {
        const cap = await client.capacity();
        const image = cap.images.find((i) => i.name === "base") ?? cap.images[0];
        const target = (image as { targetWarm?: unknown } | undefined)?.targetWarm;
        samples.push({
          tMs: performance.now() - t0,
          warm: image?.warm ?? 0,
          spawned: image?.spawned ?? 0,
          ...(typeof target === "number" ? { targetWarm: target } : {}),
          busy: cap.slots.busy,
          queue: cap.queue.length,
        });
      } catch {
        // a missed sample is a gap in the chart, not a failure of the run
      }
      next += SAMPLE_EVERY_MS;
      await sleep(next - performance.now());
    }
  })();
  return {
    samples,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

/** Runs the load test against a fresh service; returns the process exit code. */
export async function runLoadBench(ctx: BenchContext, options: LoadOptions): Promise<number> {
  const steps: Step[] = parseSteps(options.steps);
  const schedule = arrivalSchedule(steps, options.seed);
  const durationMs = stepBounds(steps).at(-1)?.endMs ?? 0;
  const settings = loadServiceSettings(options.fillConcurrency);
  ctx.log(
    `load: ${schedule.length} arrivals over ${durationMs / 1000} s, steps ${options.steps}, seed ${options.seed}, pools ${JSON.stringify(settings.pools)}, scaling ${JSON.stringify(settings.scaling)}`,
  );
  const { jobs, samples } = await withService(
    ctx,
    settings.pools,
    async (_svc, client) => {
      await waitForSettledPool(client);
      const t0 = performance.now();
      const sampler = sampleCapacity(client, t0);
      const jobs: JobRecord[] = [];
      const pending: Promise<void>[] = [];
      let step = -1;
      for (const arrival of schedule) {
        await sleep(t0 + arrival.atMs - performance.now());
        if (arrival.step !== step) {
          step = arrival.step;
          ctx.log(`  step ${step + 1}: ${steps[step]?.rate}/s for ${steps[step]?.seconds} s`);
        }
        const record: JobRecord = {
          step: arrival.step,
          arrivalMs: performance.now() - t0,
          outcome: "lost",
        };
        jobs.push(record);
        pending.push(fire(client, record)); // open loop: never awaited here
      }
      await sleep(t0 + durationMs - performance.now());
      ctx.log(`  offered load done; waiting for ${pending.length} jobs to answer …`);
      await Promise.all(pending);
      await sampler.stop();
      return { jobs, samples: sampler.samples };
    },
    settings.limits,
    settings.scaling,
  );

  const stats = stepStatistics(steps, jobs);
  const rows = loadRows(stats);
  process.stdout.write(`\n${renderTable(rows)}\n\n`);

  const date = new Date().toISOString();
  const runMs = Math.max(durationMs, ...samples.map((s) => s.tMs));
  const p99 = rollingP99(jobs, 0, runMs, 1000).map((w) => ({
    tMs: w.startMs + 500,
    p99Ms: w.p99Ms,
  }));
  const svg = renderLoadSvg({
    title: `edgevm open-loop load: steps ${options.steps} (jobs/s:s), ${ctx.accel}, ${cpus().length} cores`,
    durationMs: runMs,
    loadEndMs: durationMs,
    steps: stepBounds(steps).map((b, i) => ({ startMs: b.startMs, rate: steps[i]?.rate ?? 0 })),
    pool: samples,
    jobs: jobs.map((j) => ({
      tMs: j.arrivalMs,
      ...(j.outcome === "succeeded" || j.outcome === "failed" ? { latencyMs: j.latencyMs } : {}),
      ok: j.outcome === "succeeded",
    })),
    p99,
  });
  const report = {
    date,
    machine: { cores: cpus().length, cpu: cpus()[0]?.model },
    accel: ctx.accel,
    steps,
    seed: options.seed,
    settings,
    stats,
    rows,
    jobs,
    capacity: samples,
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  const stamp = date.replace(/[:.]/g, "-");
  const out = options.out ?? join(RESULTS_DIR, `load-${stamp}.json`);
  const json = `${JSON.stringify(report, null, 2)}\n`;
  writeFileSync(out, json);
  writeFileSync(join(RESULTS_DIR, "load-latest.json"), json);
  const svgOut = `${out.replace(/\.json$/, "")}.svg`;
  writeFileSync(svgOut, svg);
  writeFileSync(join(RESULTS_DIR, "load-latest.svg"), svg);
  process.stdout.write(`results: ${out}\nchart: ${svgOut}\n`);
  return stats.some((s) => s.lost > 0) ? 1 : 0;
}
