/**
 * Pure: the workerd `Config` of one region. It runs the compute Worker (`worker-apps/compute`) as
 * service `compute` on the region's port, with the bindings of the compute Worker's contract:
 *
 *   REGION           text  this region's name
 *   REGIONS          text  JSON `[{name, url, location}]` of every region
 *   EMULATOR         service binding to the region's emulator host (an `external` HTTP service)
 *   EMULATOR_SECRET  text  HMAC secret shared with the emulator service
 *   API_KEYS         text  JSON `[{sha256, tenant}]` (keys hashed; never the keys themselves)
 *   JOBS             Durable Object namespace of class `JobRecord` (SQLite, on local disk)
 *   HOSTS            Durable Object namespace of class `HostDirectory` (the region's hosts)
 *
 * Outbound `fetch()` goes through a `network` service that also allows private and local
 * addresses (workerd's built-in `internet` service blocks 127.0.0.1).
 *
 * User apps (optional) run in the same workerd — RPC entrypoints only work within one process —
 * each as service `app-<name>` with its own socket `app-<name>` on its port and one binding:
 *
 *   VMS              service binding to `compute`, entrypoint `VmService`, props `{tenant: <name>}`
 */

import { join } from "node:path";
import type { ApiKeyBinding, RegionBinding } from "@edgevm/contract";
import { hashApiKeys, type RegionsConfig, type ResolvedRegion } from "./regions.js";
import type { Config, ModuleSource, Service, WorkerBinding } from "./workerd/config.js";

export const COMPATIBILITY_DATE = "2026-07-22";
/**
 * None, like the root `wrangler.toml`: the compute Worker uses Web APIs only. A Worker that imports
 * `node:*` (left external by the bundler) would need `nodejs_compat` here and there.
 */
export const COMPATIBILITY_FLAGS: readonly string[] = [];

/** Service and socket names inside a region's config. */
export const REGION_SERVICES = {
  worker: "compute",
  emulator: "emulator",
  outbound: "outbound",
  storage: "do-storage",
} as const;
export const REGION_SOCKET = "http";
export const COMPUTE_MODULE_NAME = "compute.mjs";
/** The compute Worker's RPC entrypoint that apps bind as `VMS`. */
export const VM_SERVICE_ENTRYPOINT = "VmService";
export const APP_VMS_BINDING = "VMS";

/** Service (and socket) name of a user app inside a region's config. */
export const appServiceName = (app: string): string => `app-${app}`;
export const appSocketName = (app: string): string => `app-${app}`;

/** Durable Object classes the compute Worker exports, by binding name. */
export const REGION_DURABLE_OBJECTS: ReadonlyArray<{ binding: string; className: string }> = [
  { binding: "JOBS", className: "JobRecord" },
  { binding: "HOSTS", className: "HostDirectory" },
];

/** Addresses classes the Worker's outbound `fetch()` may reach (workerd `Network.allow`). */
export const OUTBOUND_ALLOW: readonly string[] = ["public", "private", "local"];

export interface RegionConfigInput {
  regions: RegionsConfig;
  /** the region to build */
  region: ResolvedRegion;
  /** the bundled compute Worker: `{ embed: path }` (relative to the config file) or inline */
  module: ModuleSource;
  emulatorSecret: string;
  /** user apps to host next to the compute Worker (the first region only, by `startEdge`) */
  apps?: RegionApp[];
}

export interface RegionApp {
  /** `worker-apps/<name>`; also its tenant in `VmService` (`props.tenant`) */
  name: string;
  /** the bundled app, like `module` */
  module: ModuleSource;
  port: number;
}

/** Every socket of a region's config; workerd is ready once each has reported "listen". */
export function regionSocketNames(apps: ReadonlyArray<{ name: string }> = []): string[] {
  return [REGION_SOCKET, ...apps.map((app) => appSocketName(app.name))];
}

/** Directories of one region's durable state; the caller creates them before starting workerd. */
export function regionPaths(stateDir: string, region: string): { dir: string; doStorage: string } {
  const dir = join(stateDir, "regions", region);
  return { dir, doStorage: join(dir, "do") };
}

/** The `REGIONS` binding's value: every region's name, Worker URL and location. */
export function regionsBinding(regions: RegionsConfig): string {
  return JSON.stringify(
    regions.regions.map((r) => ({
      name: r.name,
      url: r.url,
      location: r.location,
    })) satisfies RegionBinding[],
  );
}

export function buildRegionConfig(input: RegionConfigInput): Config {
  const { regions, region } = input;
  const bindings: WorkerBinding[] = [
    { name: "REGION", text: region.name },
    { name: "REGIONS", text: regionsBinding(regions) },
    { name: "EMULATOR", service: { name: REGION_SERVICES.emulator } },
    { name: "EMULATOR_SECRET", text: input.emulatorSecret },
    {
      name: "API_KEYS",
      text: JSON.stringify(hashApiKeys(regions.apiKeys) satisfies ApiKeyBinding[]),
    },
    ...REGION_DURABLE_OBJECTS.map(({ binding, className }) => ({
      name: binding,
      durableObjectNamespace: { className },
    })),
  ];
  const apps = input.apps ?? [];
  return {
    services: [
      {
        name: REGION_SERVICES.worker,
        worker: {
          modules: [{ name: COMPUTE_MODULE_NAME, esModule: input.module }],
          compatibilityDate: COMPATIBILITY_DATE,
          compatibilityFlags: [...COMPATIBILITY_FLAGS],
          bindings,
          durableObjectNamespaces: REGION_DURABLE_OBJECTS.map(({ className }) => ({
            className,
            uniqueKey: `edgevm-${region.name}-${className}`,
            enableSql: true,
          })),
          durableObjectStorage: { localDisk: REGION_SERVICES.storage },
          globalOutbound: { name: REGION_SERVICES.outbound },
        },
      },
      {
        name: REGION_SERVICES.emulator,
        external: { address: hostPort(regions.host, region.emulator.port), http: {} },
      },
      { name: REGION_SERVICES.outbound, network: { allow: [...OUTBOUND_ALLOW] } },
      {
        name: REGION_SERVICES.storage,
        disk: { path: regionPaths(regions.stateDir, region.name).doStorage, writable: true },
      },
      ...apps.map((app) => appService(app)),
    ],
    sockets: [
      {
        name: REGION_SOCKET,
        address: hostPort(regions.host, region.port),
        http: {},
        service: { name: REGION_SERVICES.worker },
      },
      ...apps.map((app) => ({
        name: appSocketName(app.name),
        address: hostPort(regions.host, app.port),
        http: {},
        service: { name: appServiceName(app.name) },
      })),
    ],
  };
}

/** A user app: its bundle and `VMS`, nothing else (outbound `fetch()` is workerd's default). */
function appService(app: RegionApp): Service {
  return {
    name: appServiceName(app.name),
    worker: {
      modules: [{ name: `${app.name}.mjs`, esModule: app.module }],
      compatibilityDate: COMPATIBILITY_DATE,
      compatibilityFlags: [...COMPATIBILITY_FLAGS],
      bindings: [
        {
          name: APP_VMS_BINDING,
          service: {
            name: REGION_SERVICES.worker,
            entrypoint: VM_SERVICE_ENTRYPOINT,
            props: { json: JSON.stringify({ tenant: app.name }) },
          },
        },
      ],
    },
  };
}

function hostPort(host: string, port: number): string {
  return `${host.includes(":") ? `[${host}]` : host}:${port}`;
}
