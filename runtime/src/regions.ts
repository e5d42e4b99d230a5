/**
 * Pure resolution of the `regions` section of `config/edgevm.json` (plus env) into the regions the
 * local edge runs: each region's Worker port and URL, its emulator host, the front door, the user
 * apps (hosted in the first region's workerd, next to its compute Worker), and the API keys. Keys
 * are configured in clear (dev keys) and handed to Workers only as SHA-256 hashes. The section's
 * schema, with every field's description and default, is in regions-schema.ts.
 */
import { createHash } from "node:crypto";
import { EdgevmError } from "@edgevm/contract";
import { configIssue, parseConfig } from "@edgevm/emulator/config/issues";
import { defaultStateDir } from "@edgevm/emulator/config/schema";
import {
  DEFAULT_EDGE_HOST,
  DEFAULT_FRONT_DOOR_PORT,
  DEFAULT_REGIONS,
  ENV_API_KEY,
  ENV_KEY_TENANT,
  ENV_STATE_DIR,
  type RegionEntry,
  regionsFileSchema,
} from "./regions-schema.js";

export {
  DEFAULT_EDGE_HOST,
  DEFAULT_FRONT_DOOR_PORT,
  DEFAULT_REGIONS,
  ENV_KEY_TENANT,
  RESERVED_APP_NAMES,
  type RegionsFile,
  regionsFileSchema,
} from "./regions-schema.js";

export interface Location {
  lat: number;
  lon: number;
}

export interface ResolvedRegion {
  name: string;
  location: Location;
  /** the region Worker's HTTP port (0 = any free port, for tests) */
  port: number;
  /** `http://<host>:<port>` of the region Worker */
  url: string;
  /** the region's configured host (the first of `hosts`): the Worker's `EMULATOR` binding */
  emulator: { port: number; url: string };
  /**
   * Every emulator host the local edge starts for this region (at least one). Each joins the
   * region's directory; ids are `<region>-1`, `<region>-2`, …
   */
  hosts: ResolvedHost[];
  /** client address ranges the front door sends to this region (local stand-in for geo-IP) */
  cidrs?: string[];
}

export interface ResolvedHost {
  id: string;
  /** 0 = any free port (tests) */
  port: number;
  url: string;
}

export interface ApiKey {
  key: string;
  tenant: string;
}

/** What a Worker sees of an API key: `API_KEYS` holds these, never the keys themselves. */
export interface HashedApiKey {
  /** lowercase hex SHA-256 of the key's UTF-8 bytes */
  sha256: string;
  tenant: string;
}

/**
 * A user Worker app (`worker-apps/<name>`) with a `VMS` binding to the compute Worker's `VmService`.
 * Apps run in the first region's workerd (RPC entrypoints only work within one process); hosting
 * them in every region would need ports per region.
 */
export interface ResolvedApp {
  name: string;
  /** the app's HTTP port (0 = any free port, for tests) */
  port: number;
  /** `http://<host>:<port>` */
  url: string;
  /** the region whose workerd hosts it (the first one) */
  region: string;
}

export interface RegionsConfig {
  /** address every local service binds and every URL names */
  host: string;
  frontDoor: { port: number; url: string };
  apiKeys: ApiKey[];
  regions: ResolvedRegion[];
  /** user apps, all in the first region's workerd (none unless configured) */
  apps: ResolvedApp[];
  /** durable state (Durable Object storage per region); kept across runs */
  stateDir: string;
}

/**
 * The regions config from the whole config file's JSON (its `regions` section) and env:
 * `EDGEVM_API_KEY` adds a key (tenant `default`) before the configured ones; `EDGEVM_STATE_DIR`
 * moves the state directory. An empty `apiKeys` means the caller must generate one.
 */
export function resolveRegions(
  file: unknown,
  env: Readonly<Record<string, string | undefined>> = {},
  /** the config file as the user named it, for errors */
  fileName?: string,
): RegionsConfig {
  const section =
    typeof file === "object" && file !== null ? (file as { regions?: unknown }).regions : undefined;
  const data = parseConfig(regionsFileSchema, section ?? {}, ["regions"], fileName);
  const host = data.host ?? DEFAULT_EDGE_HOST;
  const list = data.list ?? DEFAULT_REGIONS;
  const unique = (path: string, what: string, values: Array<string | number>) =>
    checkUnique(path, what, values, fileName);
  unique(
    "regions.list",
    "region name",
    list.map((r) => r.name),
  );
  const apps = data.apps ?? [];
  unique(
    "regions.apps",
    "app name",
    apps.map((a) => a.name),
  );
  const frontDoorPort = data.frontDoor?.port ?? DEFAULT_FRONT_DOOR_PORT;
  unique(
    "regions",
    "port",
    [
      frontDoorPort,
      ...list.flatMap((r) => [r.port, ...hostPorts(r)]),
      ...apps.map((a) => a.port),
    ].filter((p) => p !== 0),
  );
  // the schema guarantees at least one region
  const appRegion = list[0]?.name ?? "";
  const apiKeys: ApiKey[] = [];
  const envKey = env[ENV_API_KEY];
  if (envKey) apiKeys.push({ key: envKey, tenant: ENV_KEY_TENANT });
  for (const k of data.apiKeys ?? []) if (k.key !== envKey) apiKeys.push(k);
  return {
    host,
    frontDoor: { port: frontDoorPort, url: httpUrl(host, frontDoorPort) },
    apiKeys,
    regions: list.map((r) => {
      const hosts = hostPorts(r).map((port, i) => ({
        id: `${r.name}-${i + 1}`,
        port,
        url: httpUrl(host, port),
      }));
      const first = hosts[0] ?? { port: 0, url: httpUrl(host, 0) };
      return {
        name: r.name,
        location: { ...r.location },
        port: r.port,
        url: httpUrl(host, r.port),
        emulator: { port: first.port, url: first.url },
        hosts,
        ...(r.cidrs ? { cidrs: [...r.cidrs] } : {}),
      };
    }),
    apps: apps.map((a) => ({
      name: a.name,
      port: a.port,
      url: httpUrl(host, a.port),
      region: appRegion,
    })),
    stateDir: env[ENV_STATE_DIR] ?? data.stateDir ?? defaultStateDir(env),
  };
}

/** A region's emulator host ports (the schema guarantees exactly one of the two forms). */
function hostPorts(region: RegionEntry): number[] {
  return (region.emulators ?? (region.emulator ? [region.emulator] : [])).map((e) => e.port);
}

/** `http://host:port`, with IPv6 hosts in brackets. */
export function httpUrl(host: string, port: number): string {
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
}

/** The hashes Workers compare a bearer token against (`API_KEYS`). */
export function hashApiKeys(keys: readonly ApiKey[]): HashedApiKey[] {
  return keys.map(({ key, tenant }) => ({
    sha256: createHash("sha256").update(key, "utf8").digest("hex"),
    tenant,
  }));
}

/** Looks a region up by name, with a clear error listing the known ones. */
export function findRegion(config: RegionsConfig, name: string): ResolvedRegion {
  const region = config.regions.find((r) => r.name === name);
  if (!region) {
    const known = config.regions.map((r) => r.name).join(", ");
    throw new EdgevmError("INVALID_CONFIG", `unknown region "${name}" (known: ${known})`);
  }
  return region;
}

function checkUnique(
  path: string,
  what: string,
  values: Array<string | number>,
  fileName: string | undefined,
): void {
  const seen = new Set<string | number>();
  for (const value of values) {
    if (seen.has(value))
      throw configIssue({ path, message: `${what} ${value} is used twice` }, fileName);
    seen.add(value);
  }
}
