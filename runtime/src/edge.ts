/**
 * The whole local edge from one call: every region's emulator host and workerd (the compute
 * Worker; the first region's also hosts the user apps of `regions.apps`), and the front door, each
 * supervised (restarted with backoff when it crashes).
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type { EmulatorConfig } from "@edgevm/emulator/config/resolve";
import type { ProgressListener } from "@edgevm/emulator/images";
import { prepareImages } from "@edgevm/emulator/service";
import type { Logger } from "@edgevm/observability";
import { bundleWorker, workerBundlePath, workerEntryPath } from "./bundle.js";
import { type EmulatorProcess, startEmulatorProcess } from "./emulator-process.js";
import type { ApiKey, RegionsConfig } from "./regions.js";
import { type FrontDoorProcess, startFrontDoor } from "./start-front-door.js";
import { type RegionAppStart, type RegionProcess, startRegion } from "./start-region.js";
import { Supervisor } from "./supervisor.js";

export interface EdgeOptions {
  repoRoot: string;
  regions: RegionsConfig;
  emulator: EmulatorConfig;
  logger: Logger;
  onImageProgress?: ProgressListener;
}

export interface Edge {
  frontDoorUrl: string;
  /** `emulatorUrl`: the configured (first) host; `hosts`: every host the edge started */
  regions: {
    name: string;
    url: string;
    emulatorUrl: string;
    hosts: { id: string; url: string }[];
  }[];
  /** user apps (`worker-apps/<name>`), each in `region`'s workerd with `VMS` → `VmService` */
  apps: { name: string; url: string; region: string }[];
  /** the API keys clients may use (a generated one when none was configured) */
  apiKeys: ApiKey[];
  supervisor: Supervisor<EmulatorProcess | RegionProcess | FrontDoorProcess>;
  stop(): Promise<void>;
}

/** Pure: the configured keys, or one generated key (printed once) when there are none. */
export function withApiKey(regions: RegionsConfig, generate: () => string): RegionsConfig {
  if (regions.apiKeys.length) return regions;
  return { ...regions, apiKeys: [{ key: generate(), tenant: "default" }] };
}

export async function startEdge(options: EdgeOptions): Promise<Edge> {
  const { logger, repoRoot } = options;
  const regions = withApiKey(options.regions, () => `evm_${randomBytes(16).toString("hex")}`);
  // Images are built once here, with progress, before any host needs them.
  await prepareImages(options.emulator.stateDir, logger, options.onImageProgress);
  const bundle = await bundleWorker({
    entry: workerEntryPath(repoRoot, "compute"),
    outFile: workerBundlePath(repoRoot, "compute"),
  });
  logger.info("compute Worker bundled", {
    file: bundle.outFile,
    bytes: bundle.bytes,
    cached: bundle.cached,
  });
  const frontDoorBundle = await bundleWorker({
    entry: workerEntryPath(repoRoot, "front-door"),
    outFile: workerBundlePath(repoRoot, "front-door"),
  });
  const apps: Array<RegionAppStart & { region: string }> = [];
  for (const app of regions.apps) {
    const appBundle = await bundleWorker({
      entry: workerEntryPath(repoRoot, app.name),
      outFile: workerBundlePath(repoRoot, app.name),
    });
    apps.push({
      name: app.name,
      port: app.port,
      region: app.region,
      bundlePath: appBundle.outFile,
    });
  }

  const supervisor = new Supervisor<EmulatorProcess | RegionProcess | FrontDoorProcess>({ logger });
  const secret = options.emulator.secret;
  try {
    // Hosts first (each boots its template), then the Workers that forward to them. Each host
    // joins its region's directory by heartbeats to the region Worker's URL; until that Worker
    // listens the heartbeats fail quietly and are retried.
    await Promise.all(
      regions.regions.flatMap((region) =>
        region.hosts.map((host) =>
          supervisor.add({
            name: `emulator:${host.id}`,
            start: () =>
              startEmulatorProcess({
                repoRoot,
                region: region.name,
                hostId: host.id,
                port: host.port,
                listen: regions.host,
                secret,
                // a region on port 0 (tests) has no URL yet: its hosts serve only as configured host
                ...(region.port !== 0 ? { join: region.url } : {}),
                env: { EDGEVM_RUN_DIR: join(options.emulator.runDir, host.id) },
                onOutput: (line) => process.stderr.write(`${line}\n`),
              }),
          }),
        ),
      ),
    );
    await Promise.all(
      regions.regions.map((region) =>
        supervisor.add({
          name: `region:${region.name}`,
          start: () =>
            startRegion({
              regions,
              region,
              emulatorSecret: secret,
              bundlePath: bundle.outFile,
              apps: apps
                .filter((app) => app.region === region.name)
                .map(({ name, port, bundlePath }) => ({ name, port, bundlePath })),
            }),
        }),
      ),
    );
    await supervisor.add({
      name: "front-door",
      start: () => startFrontDoor({ regions, bundlePath: frontDoorBundle.outFile }),
    });
  } catch (err) {
    await supervisor.stopAll();
    throw err;
  }
  return {
    frontDoorUrl: regions.frontDoor.url,
    regions: regions.regions.map((r) => ({
      name: r.name,
      url: r.url,
      emulatorUrl: r.emulator.url,
      hosts: r.hosts.map((h) => ({ id: h.id, url: h.url })),
    })),
    apps: regions.apps.map((a) => ({ name: a.name, url: a.url, region: a.region })),
    apiKeys: regions.apiKeys,
    supervisor,
    stop: () => supervisor.stopAll(),
  };
}
