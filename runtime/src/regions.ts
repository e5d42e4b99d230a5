/**
 * Pure resolution of the `regions` section of `config/edgevm.json` (plus env) into the regions the
 * local edge runs: each region's Worker port and URL, its emulator host, the front door, the user
 * apps (hosted in the first region's workerd, next to its compute Worker), and the API keys. Keys are configured in clear (dev keys) and handed to Workers only as SHA-256 hashes.
 */
import { createHash } from "node:crypto";
import { homedir } from "node:os";
import { join } from "node:path";
import { EdgevmError } from "@edgevm/contract";
import { parseCidr } from "@edgevm/front-door/cidr";
import { z } from "zod";

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

const nameSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "lowercase letters, digits, -");
const portSchema = z.int().min(0).max(65535);

const regionSchema = z
  .object({
    name: nameSchema,
    location: z
      .object({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) })
      .strict(),
    port: portSchema,
    /** one emulator host */
    emulator: z.object({ port: portSchema }).strict().optional(),
    /** several emulator hosts (instead of `emulator`) */
    emulators: z
      .array(z.object({ port: portSchema }).strict())
      .min(1)
      .max(16)
      .optional(),
    cidrs: z
      .array(z.string().refine((s) => parseCidr(s) !== undefined, "not an IPv4/IPv6 CIDR"))
      .optional(),
  })
  .strict()
  .refine((r) => (r.emulator === undefined) !== (r.emulators === undefined), {
    message: "give either emulator: {port} or emulators: [{port}, …]",
  });

/** Worker apps that are not user apps: the region Worker itself and the front door. */
export const RESERVED_APP_NAMES: readonly string[] = ["compute", "front-door"];

const appSchema = z
  .object({
    name: nameSchema.refine(
      (name) => !RESERVED_APP_NAMES.includes(name),
      "compute and front-door are not user apps",
    ),
    port: portSchema,
  })
  .strict();

export const regionsFileSchema = z
  .object({
    host: z.string().min(1).optional(),
    stateDir: z.string().min(1).optional(),
    frontDoor: z.object({ port: portSchema }).strict().optional(),
    apiKeys: z.array(z.object({ key: z.string().min(8), tenant: nameSchema }).strict()).optional(),
    list: z.array(regionSchema).min(1).optional(),
    apps: z.array(appSchema).optional(),
  })
  .strict();

export type RegionsFile = z.infer<typeof regionsFileSchema>;

export const DEFAULT_REGIONS: NonNullable<RegionsFile["list"]> = [
  { name: "eu-west", location: { lat: 48.86, lon: 2.35 }, port: 8801, emulator: { port: 8791 } },
  { name: "us-east", location: { lat: 38.9, lon: -77.0 }, port: 8802, emulator: { port: 8792 } },
  {
    name: "ap-south",
    location: { lat: 1.35, lon: 103.8 },
    port: 8803,
    emulator: { port: 8793 },
  },
];
export const DEFAULT_FRONT_DOOR_PORT = 8787;
/** Tenant of the key given in `EDGEVM_API_KEY`. */
export const ENV_KEY_TENANT = "default";

/**
 * The regions config from the whole config file's JSON (its `regions` section) and env:
 * `EDGEVM_API_KEY` adds a key (tenant `default`) before the configured ones; `EDGEVM_STATE_DIR`
 * moves the state directory. An empty `apiKeys` means the caller must generate one.
 */
export function resolveRegions(
  file: unknown,
  env: Readonly<Record<string, string | undefined>> = {},
): RegionsConfig {
  const section =
    typeof file === "object" && file !== null ? (file as { regions?: unknown }).regions : undefined;
  const parsed = regionsFileSchema.safeParse(section ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `regions.${i.path.join(".")}: ${i.message}`);
    throw new EdgevmError("INVALID_CONFIG", `invalid config: ${issues.join("; ")}`, {
      details: issues,
    });
  }
  const data = parsed.data;
  const host = data.host ?? "127.0.0.1";
  const list = data.list ?? DEFAULT_REGIONS;
  checkUnique(
    "region name",
    list.map((r) => r.name),
  );
  const apps = data.apps ?? [];
  checkUnique(
    "app name",
    apps.map((a) => a.name),
  );
  const frontDoorPort = data.frontDoor?.port ?? DEFAULT_FRONT_DOOR_PORT;
  checkUnique(
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
  if (env.EDGEVM_API_KEY) apiKeys.push({ key: env.EDGEVM_API_KEY, tenant: ENV_KEY_TENANT });
  for (const k of data.apiKeys ?? []) if (k.key !== env.EDGEVM_API_KEY) apiKeys.push(k);
  const cacheHome = env.XDG_CACHE_HOME ?? join(env.HOME ?? homedir(), ".cache");
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
    stateDir: env.EDGEVM_STATE_DIR ?? data.stateDir ?? join(cacheHome, "edgevm"),
  };
}

/** A region's emulator host ports (the schema guarantees exactly one of the two forms). */
function hostPorts(region: z.infer<typeof regionSchema>): number[] {
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

function checkUnique(what: string, values: Array<string | number>): void {
  const seen = new Set<string | number>();
  for (const value of values) {
    if (seen.has(value))
      throw new EdgevmError("INVALID_CONFIG", `invalid config: ${what} ${value} is used twice`);
    seen.add(value);
  }
}
