/**
 * Starts the front door's workerd: bundles `worker-apps/front-door` (cached by its inputs), writes
 * its capnp config under `<stateDir>/front-door/`, and starts workerd, resolving once the front
 * door's HTTP socket listens (by the control channel, so port 0 works).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { bundleWorker, workerBundlePath, workerEntryPath } from "./bundle.js";
import {
  buildFrontDoorConfig,
  FRONT_DOOR_APP,
  FRONT_DOOR_SOCKET,
  type FrontDoorConfigInput,
  frontDoorDir,
} from "./front-door-config.js";
import { httpUrl } from "./regions.js";
import { serializeConfig } from "./workerd/capnp.js";
import { startWorkerd, type WorkerdProcess, type WorkerdStartOptions } from "./workerd/process.js";

export interface FrontDoorStartOptions extends Omit<FrontDoorConfigInput, "module"> {
  /** the bundled front door (an `.mjs` file); see `bundleFrontDoor` */
  bundlePath: string;
  onOutput?: WorkerdStartOptions["onOutput"];
  binary?: string;
}

export interface FrontDoorProcess extends WorkerdProcess {
  /** the port the front door listens on (the real one when the config asked for 0) */
  readonly port: number;
  readonly url: string;
  readonly configPath: string;
}

/** Bundles the front door Worker to `.edgevm/build/front-door.mjs` (or `outFile`). */
export async function bundleFrontDoor(repoRoot: string, outFile?: string): Promise<string> {
  const result = await bundleWorker({
    entry: workerEntryPath(repoRoot, FRONT_DOOR_APP),
    outFile: outFile ?? workerBundlePath(repoRoot, FRONT_DOOR_APP),
  });
  return result.outFile;
}

/** Writes the front door's config file and returns its path (built fresh each time). */
export function writeFrontDoorConfig(options: FrontDoorStartOptions): string {
  const dir = frontDoorDir(options.regions.stateDir);
  mkdirSync(dir, { recursive: true });
  const configPath = join(dir, "workerd.capnp");
  const config = buildFrontDoorConfig({
    regions: options.regions,
    module: { embed: relative(dir, options.bundlePath) },
    ...(options.regionUrls ? { regionUrls: options.regionUrls } : {}),
  });
  writeFileSync(configPath, serializeConfig(config));
  return configPath;
}

export async function startFrontDoor(options: FrontDoorStartOptions): Promise<FrontDoorProcess> {
  const configPath = writeFrontDoorConfig(options);
  const proc = await startWorkerd({
    configPath,
    sockets: [FRONT_DOOR_SOCKET],
    ...(options.onOutput ? { onOutput: options.onOutput } : {}),
    ...(options.binary ? { binary: options.binary } : {}),
  });
  const port = proc.ports.get(FRONT_DOOR_SOCKET) ?? options.regions.frontDoor.port;
  return Object.assign(proc, { port, url: httpUrl(options.regions.host, port), configPath });
}
