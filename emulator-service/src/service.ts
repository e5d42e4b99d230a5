import { mkdirSync } from "node:fs";
import type { Logger } from "@edgevm/observability";
import { createEmulatorApp, type RunningServer, serve } from "./api/index.js";
import type { EmulatorConfig } from "./config/resolve.js";
import {
  ensureImage,
  type ImageArtifacts,
  listImages,
  type ProgressListener,
} from "./images/index.js";
import { JobEngine } from "./jobs/engine.js";
import { RegionMembership } from "./membership/index.js";
import { createEmulatorMetrics, type EmulatorMetrics } from "./metrics/index.js";
import { TemplateStore } from "./templates/store.js";
import { type AccelChoice, chooseAccel } from "./vm/accel.js";
import { readHostTiming } from "./vm/host-timing.js";
import { QemuDriver } from "./vm/qemu/driver.js";
import { reapLeftovers } from "./vm/reaper.js";
import type { BootImage } from "./vm/types.js";

export interface EmulatorService {
  url: string;
  config: EmulatorConfig;
  accel: AccelChoice;
  engine: JobEngine;
  metrics: EmulatorMetrics;
  images: ReadonlyMap<string, ImageArtifacts>;
  /** this host's membership in its region's directory, when `config.join` is set */
  membership?: RegionMembership;
  /** Leaves the region directory (no new work is placed here), then stops serving and every VM. */
  close(): Promise<void>;
}

export interface StartOptions {
  config: EmulatorConfig;
  logger: Logger;
  onImageProgress?: ProgressListener;
  /** build templates and fill pools before listening (default true) */
  prewarm?: boolean;
}

/** Builds (or finds) every registered image; each one is verified before it is used. */
export async function prepareImages(
  stateDir: string,
  logger: Logger,
  onProgress?: ProgressListener,
): Promise<Map<string, ImageArtifacts>> {
  const images = new Map<string, ImageArtifacts>();
  for (const { name } of listImages()) {
    const artifacts = await ensureImage({
      name,
      cacheDir: stateDir,
      ...(onProgress ? { onProgress } : {}),
      onLog: (line) => logger.info(line, { image: name }),
    });
    images.set(name, artifacts);
  }
  return images;
}

/**
 * Starts one emulator host: reaps what an earlier run left, prepares images, chooses the
 * accelerator, prewarms pools, and serves the API. `close()` stops it and destroys every VM.
 */
export async function startEmulatorService(options: StartOptions): Promise<EmulatorService> {
  const { config, logger } = options;
  mkdirSync(config.stateDir, { recursive: true });
  const reaped = reapLeftovers(config.runDir);
  if (reaped.length) logger.warn("killed VMs left by an earlier run", { pids: reaped });

  const images = await prepareImages(config.stateDir, logger, options.onImageProgress);
  const bootImages = new Map<string, BootImage>(images);
  const first = images.values().next().value;
  if (!first) throw new Error("no guest image is registered");
  const timing = readHostTiming(first.kernelVersion);
  const accel = await chooseAccel({
    preference: config.accel,
    image: first,
    runDir: config.runDir,
    stateDir: config.stateDir,
    timing,
    logger,
  });
  logger.info("accelerator", { ...accel });

  const metrics = createEmulatorMetrics();
  /** set once the API listens (`config.join`); the engine's observer nudges it on every change */
  let membership: RegionMembership | undefined;
  const driver = new QemuDriver({ runDir: config.runDir, accel: accel.accel, timing });
  const templates = new TemplateStore({
    dir: config.templateDir,
    driver,
    logger,
    onBoot: (ms) => metrics.templateBootSeconds.observe(ms / 1000),
  });
  const engine = new JobEngine({
    region: config.region,
    host: config.host,
    driver,
    templates,
    images: bootImages,
    limits: config.limits,
    pools: config.pools,
    scaling: config.scaling,
    defaultKey: { memoryMiB: config.limits.defaultMemoryMiB, vcpus: 1 },
    observer: {
      vmStarted: (source, seconds) => {
        metrics.vmStartSeconds.observe({ source }, seconds);
        membership?.nudge();
      },
      jobFinished: (status, seconds) => {
        metrics.jobsTotal.inc({ status });
        metrics.jobDurationSeconds.observe(seconds);
        membership?.nudge();
      },
    },
    logger,
  });
  registerCollectors(metrics, engine);
  let server: RunningServer;
  try {
    if (options.prewarm !== false) await engine.prewarm();
    const { limits } = config;
    const app = createEmulatorApp({
      runner: engine,
      metrics,
      logger,
      secret: config.secret,
      region: config.region,
      host: config.host,
      // the request limits only; slots and queue belong to the engine
      limits: {
        maxBodyBytes: limits.maxBodyBytes,
        maxTimeoutMs: limits.maxTimeoutMs,
        defaultTimeoutMs: limits.defaultTimeoutMs,
        minMemoryMiB: limits.minMemoryMiB,
        maxMemoryMiB: limits.maxMemoryMiB,
        defaultMemoryMiB: limits.defaultMemoryMiB,
        maxVcpus: limits.maxVcpus,
        defaultVcpus: 1,
      },
      describeImages: () => listImages().map((image) => ({ ...image })),
    });
    server = await serve(app, { hostname: config.listen.host, port: config.listen.port });
  } catch (err) {
    // never leave VMs (prewarmed pools) behind a service that failed to start
    await engine.close();
    throw err;
  }
  logger.info("emulator service listening", {
    url: server.url,
    region: config.region,
    host: config.host,
  });
  try {
    membership = startMembership(config, server.url, engine, logger);
  } catch (err) {
    await server.close();
    await engine.close();
    throw err;
  }
  return {
    url: server.url,
    config,
    accel,
    engine,
    metrics,
    images,
    ...(membership ? { membership } : {}),
    close: async () => {
      // leave first, so the directory stops placing work here while the host shuts down
      await membership?.stop();
      await server.close();
      await engine.close();
    },
  };
}

/** Joins the region directory named by `config.join` (heartbeats from now on), if any. */
function startMembership(
  config: EmulatorConfig,
  listenUrl: string,
  engine: JobEngine,
  logger: Logger,
): RegionMembership | undefined {
  if (!config.join) return undefined;
  const url = config.join.advertiseUrl ?? listenUrl;
  if (config.join.advertiseUrl === undefined && /^http:\/\/(0\.0\.0\.0|\[::\])[:/]/.test(url)) {
    logger.warn("advertising an unspecified address to the region directory; set --advertise", {
      url,
    });
  }
  const membership = new RegionMembership({
    joinUrl: config.join.url,
    secret: config.secret,
    host: config.host,
    region: config.region,
    url,
    capacity: () => engine.capacity(),
    logger,
  });
  membership.start();
  return membership;
}

function registerCollectors(metrics: EmulatorMetrics, engine: JobEngine): void {
  metrics.poolVms.setCollector(() =>
    engine.capacity().images.flatMap((image) => [
      { labels: { image: image.name, state: "warm" }, value: image.warm },
      { labels: { image: image.name, state: "spawned" }, value: image.spawned },
    ]),
  );
  metrics.poolTarget.setCollector(() =>
    engine.scaling().flatMap((image) => [
      { labels: { image: image.image, state: "warm" }, value: image.targetWarm },
      { labels: { image: image.image, state: "spawned" }, value: image.targetSpawned },
    ]),
  );
  metrics.poolArrivalRate.setCollector(() =>
    engine.scaling().map((image) => ({
      labels: { image: image.image },
      value: image.arrivalRatePerS,
    })),
  );
  metrics.queueLength.setCollector(() => engine.capacity().queue.length);
  metrics.jobsInFlight.setCollector(() => {
    const { slots, queue } = engine.capacity();
    return slots.busy + queue.length;
  });
  metrics.registry.gauge({
    name: "edgevm_capacity_free_slots",
    help: "Job slots free on this host.",
    collect: () => engine.capacity().slots.free,
  });
  metrics.registry.gauge({
    name: "edgevm_memory_used_mib",
    help: "Guest memory held by running and pooled VMs (each counted at its full size), MiB.",
    collect: () => engine.capacity().memory.usedMiB,
  });
}
