/**
 * Starts one region's workerd: writes its capnp config (mode 0600: it carries the emulator secret)
 * under the region's state directory, creates the Durable Object storage directory, and starts
 * workerd, resolving once the region's HTTP socket listens (by the control channel).
 */
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import {
  buildRegionConfig,
  REGION_SOCKET,
  type RegionConfigInput,
  regionPaths,
} from "./region-config.js";
import { httpUrl } from "./regions.js";
import { serializeConfig } from "./workerd/capnp.js";
import { startWorkerd, type WorkerdProcess, type WorkerdStartOptions } from "./workerd/process.js";

export interface RegionStartOptions extends Omit<RegionConfigInput, "module"> {
  /** the bundled compute Worker (an `.mjs` file) */
  bundlePath: string;
  /** embed the bundle by path (default) or inline its text into the config */
  inline?: { source: string };
  onOutput?: WorkerdStartOptions["onOutput"];
  binary?: string;
}

export interface RegionProcess extends WorkerdProcess {
  readonly region: string;
  /** the port the region's Worker listens on (the real one when the config asked for 0) */
  readonly port: number;
  readonly url: string;
  readonly configPath: string;
}

/** Writes the region's config file and returns its path (the config is built fresh each time). */
export function writeRegionConfig(options: RegionStartOptions): string {
  const paths = regionPaths(options.regions.stateDir, options.region.name);
  mkdirSync(paths.doStorage, { recursive: true });
  const configPath = join(paths.dir, "workerd.capnp");
  const module = options.inline
    ? options.inline.source
    : { embed: relative(paths.dir, options.bundlePath) };
  const config = buildRegionConfig({ ...options, module });
  writeFileSync(configPath, serializeConfig(config), { mode: 0o600 });
  chmodSync(configPath, 0o600);
  return configPath;
}

export async function startRegion(options: RegionStartOptions): Promise<RegionProcess> {
  const configPath = writeRegionConfig(options);
  const proc = await startWorkerd({
    configPath,
    sockets: [REGION_SOCKET],
    ...(options.onOutput ? { onOutput: options.onOutput } : {}),
    ...(options.binary ? { binary: options.binary } : {}),
  });
  const port = proc.ports.get(REGION_SOCKET) ?? options.region.port;
  return Object.assign(proc, {
    region: options.region.name,
    port,
    url: httpUrl(options.regions.host, port),
    configPath,
  });
}
