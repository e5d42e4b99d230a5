/**
 * Edge benchmarks: what the Worker hop adds to a warm-VM job (front door → region Worker →
 * emulator, against the emulator directly), and the front door's requests/s on a route that
 * starts no VM, measured with wrk against workerd directly (never through `wrangler dev`).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EdgevmClient } from "@edgevm/client";
import { EmulatorClient } from "@edgevm/contract";
import { resolveEmulatorConfig } from "@edgevm/emulator/config/resolve";
import { silentLogger } from "@edgevm/observability";
import { startEdge } from "@edgevm/runtime/edge";
import { resolveRegions } from "@edgevm/runtime/regions";
import { summary } from "./stats.js";

/** The repository (this file is `bench/src/edge.ts` or `bench/dist/edge.js`). */
const ROOT = join(import.meta.dirname, "..", "..");
const KEY = "bench-key";
/** Bench ports, away from `npm start`'s so both can run on one machine. */
const PORTS = { frontDoor: 28787, region: 28801, emulator: 28791 };
/** wrk: 2 threads (the machine has 2 cores), 32 connections, 5 s. */
const WRK_ARGS = ["-t2", "-c32", "-d5s"];

/** Warm VMs the bench's host keeps; each measured job waits until the pool is full again. */
const POOL_WARM = 2;
const POOL_SPAWNED = 1;

/** Waits until the pool is full, so no refill competes for the CPU with the measured job. */
async function waitForFullPool(emulator: EmulatorClient): Promise<void> {
  const deadline = performance.now() + 10_000;
  while (performance.now() < deadline) {
    const image = (await emulator.capacity()).images[0];
    if ((image?.warm ?? 0) >= POOL_WARM && (image?.spawned ?? 0) >= POOL_SPAWNED) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

function wrk(url: string): { requestsPerSecond: number; raw: string } | undefined {
  const run = spawnSync("wrk", [...WRK_ARGS, url], { encoding: "utf8" });
  if (run.error || run.status !== 0) return undefined;
  const match = /Requests\/sec:\s+([0-9.]+)/.exec(run.stdout);
  return match?.[1] ? { requestsPerSecond: Number(match[1]), raw: run.stdout } : undefined;
}

export async function edgeBench(options: { jobs: number }) {
  const stateDir = mkdtempSync(join(tmpdir(), "edgevm-bench-edge-"));
  const regions = resolveRegions({
    regions: {
      frontDoor: { port: PORTS.frontDoor },
      apiKeys: [{ key: KEY, tenant: "bench" }],
      stateDir,
      list: [
        {
          name: "bench",
          location: { lat: 0, lon: 0 },
          port: PORTS.region,
          emulator: { port: PORTS.emulator },
        },
      ],
    },
  });
  const emulatorConfig = resolveEmulatorConfig({}, process.env);
  const previous = { warm: process.env.EDGEVM_POOL_WARM, spawned: process.env.EDGEVM_POOL_SPAWNED };
  process.env.EDGEVM_POOL_WARM = String(POOL_WARM);
  process.env.EDGEVM_POOL_SPAWNED = String(POOL_SPAWNED);
  const edge = await startEdge({
    repoRoot: ROOT,
    regions,
    emulator: emulatorConfig,
    logger: silentLogger(),
  });
  try {
    const emulator = new EmulatorClient(
      `http://127.0.0.1:${PORTS.emulator}`,
      emulatorConfig.secret,
    );
    const front = new EdgevmClient({ url: `http://127.0.0.1:${PORTS.frontDoor}`, apiKey: KEY });
    const direct: number[] = [];
    const viaFrontDoor: number[] = [];
    const job = { command: ["echo", "hello"] };
    for (let i = 0; i < options.jobs; i++) {
      // interleaved, each on a warm VM with the pool full, so both paths see the same machine
      await waitForFullPool(emulator);
      let t0 = performance.now();
      await emulator.run(job);
      direct.push(performance.now() - t0);
      await waitForFullPool(emulator);
      t0 = performance.now();
      await front.run(job);
      viaFrontDoor.push(performance.now() - t0);
    }
    const healthz = wrk(`http://127.0.0.1:${PORTS.frontDoor}/healthz`);
    return {
      direct: summary(direct),
      viaFrontDoor: summary(viaFrontDoor),
      hopP50Ms: summary(viaFrontDoor).p50 - summary(direct).p50,
      frontDoorHealthzRps: healthz?.requestsPerSecond ?? Number.NaN,
      wrk: healthz ? WRK_ARGS.join(" ") : "wrk not installed (apt-get install wrk)",
    };
  } finally {
    await edge.stop();
    process.env.EDGEVM_POOL_WARM = previous.warm;
    process.env.EDGEVM_POOL_SPAWNED = previous.spawned;
    if (previous.warm === undefined) delete process.env.EDGEVM_POOL_WARM;
    if (previous.spawned === undefined) delete process.env.EDGEVM_POOL_SPAWNED;
    rmSync(stateDir, { recursive: true, force: true });
  }
}
