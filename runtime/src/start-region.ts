/**
 * Starts one region's workerd: writes its capnp config (mode 0600: it carries the emulator secret)
 * under the region's state directory, creates the Durable Object storage directory, and starts
 * workerd, resolving once every socket (the region's and each hosted app's) listens (by the
 * control channel). It bundles nothing: the caller passes bundle paths.
 */
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import {
  appSocketName,
  buildRegionConfig,
  REGION_SOCKET,
  type RegionConfigInput,
  regionPaths,
  regionSocketNames,
} from "./region-config.js";
import { httpUrl } from "./regions.js";
import { serializeConfig } from "./workerd/capnp.js";
import { startWorkerd, type WorkerdProcess, type WorkerdStartOptions } from "./workerd/process.js";

/** A user app to host in this region's workerd: its bundle (an `.mjs` file) and port. */
export interface RegionAppStart {
  name: string;
  port: number;
  bundlePath: string;
}

export interface RegionStartOptions extends Omit<RegionConfigInput, "module" | "apps"> {
  /** the bundled compute Worker (an `.mjs` file) */
  bundlePath: string;
  /** user apps next to the compute Worker (their bundles are embedded by path) */
  apps?: RegionAppStart[];
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
  /** the hosted apps with their real ports */
  readonly apps: ReadonlyArray<{ name: string; port: number; url: string }>;
}

/** Writes the region's config file and returns its path (the config is built fresh each time). */
export function writeRegionConfig(options: RegionStartOptions): string {
  const paths = regionPaths(options.regions.stateDir, options.region.name);
  mkdirSync(paths.doStorage, { recursive: true });
  const configPath = join(paths.dir, "workerd.capnp");
  const module = options.inline
    ? options.inline.source
    : { embed: relative(paths.dir, options.bundlePath) };
  const apps = (options.apps ?? []).map((app) => ({
    name: app.name,
    port: app.port,
    module: { embed: relative(paths.dir, app.bundlePath) },
  }));
  const config = buildRegionConfig({ ...options, module, apps });
  writeFileSync(configPath, serializeConfig(config), { mode: 0o600 });
  chmodSync(configPath, 0o600);
  return configPath;
}

export async function startRegion(options: RegionStartOptions): Promise<RegionProcess> {
  const configPath = writeRegionConfig(options);
  const proc = await startWorkerd({
    configPath,
    sockets: regionSocketNames(options.apps),
    ...(options.onOutput ? { onOutput: options.onOutput } : {}),
    ...(options.binary ? { binary: options.binary } : {}),
  });
  const host = options.regions.host;
  const port = proc.ports.get(REGION_SOCKET) ?? options.region.port;
  const apps = (options.apps ?? []).map((app) => {
    const appPort = proc.ports.get(appSocketName(app.name)) ?? app.port;
    return { name: app.name, port: appPort, url: httpUrl(host, appPort) };
  });
  return Object.assign(proc, {
    region: options.region.name,
    port,
    url: httpUrl(host, port),
    configPath,
    apps,
  });
}
