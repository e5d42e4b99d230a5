/**
 * The `regions` section of `config/edgevm.json`: the local edge `edgevm start` brings up. Every
 * field, its description and its default; docs/CONFIG.md is generated from this schema
 * (`npm run docs:config`) and `resolveRegions` applies the same defaults (the constants below).
 */

import { parseCidr } from "@edgevm/contract";
import type { Override } from "@edgevm/emulator/config/overrides";
import { DEFAULT_STATE_DIR_TEXT } from "@edgevm/emulator/config/schema";
import { z } from "zod";

const nameSchema = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9-]{0,62}$/,
    "must be lowercase letters, digits and -, not starting with -, at most 63",
  );
const portSchema = z.int().min(0).max(65535);

const hostSchema = z
  .object({ port: portSchema.describe("the emulator host's API port (0 = any free port)") })
  .strict();

export const regionSchema = z
  .object({
    name: nameSchema.describe("the region's name: lowercase letters, digits and -"),
    location: z
      .object({
        lat: z.number().min(-90).max(90).describe("latitude, degrees"),
        lon: z.number().min(-180).max(180).describe("longitude, degrees"),
      })
      .strict()
      .describe("where the region is: the front door sends a client to the nearest healthy one"),
    port: portSchema.describe("the region Worker's HTTP port (0 = any free port)"),
    emulator: hostSchema
      .describe("the region's one emulator host (give this or `emulators`)")
      .optional(),
    emulators: z
      .array(hostSchema)
      .min(1)
      .max(16)
      .describe(
        "several emulator hosts instead of `emulator`, ids `<region>-1`, `-2`, …; each joins the region's host directory",
      )
      .optional(),
    cidrs: z
      .array(z.string().refine((s) => parseCidr(s) !== undefined, "not an IPv4/IPv6 CIDR"))
      .describe(
        "client address ranges (IPv4/IPv6 CIDRs) the front door sends to this region: the local stand-in for geo-IP",
      )
      .meta({ defaultText: "none: by distance only" })
      .optional(),
  })
  .strict()
  .refine((r) => (r.emulator === undefined) !== (r.emulators === undefined), {
    message: "give either emulator: {port} or emulators: [{port}, …]",
  });

export type RegionEntry = z.infer<typeof regionSchema>;

/** Worker apps that are not user apps: the region Worker itself and the front door. */
export const RESERVED_APP_NAMES: readonly string[] = ["compute", "front-door"];

const appSchema = z
  .object({
    name: nameSchema
      .refine(
        (name) => !RESERVED_APP_NAMES.includes(name),
        "compute and front-door are not user apps",
      )
      .describe("the app: `worker-apps/<name>`"),
    port: portSchema.describe("the app's HTTP port (0 = any free port)"),
  })
  .strict();

export const DEFAULT_REGIONS: RegionEntry[] = [
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
export const DEFAULT_EDGE_HOST = "127.0.0.1";
/** Tenant of the key given in `EDGEVM_API_KEY`. */
export const ENV_KEY_TENANT = "default";
/** Adds an API key (tenant `default`) before the configured ones. */
export const ENV_API_KEY = "EDGEVM_API_KEY";
/** Moves the state directory (the emulator hosts' too). */
export const ENV_STATE_DIR = "EDGEVM_STATE_DIR";

/** What the environment overrides in this section (listed in docs/CONFIG.md). */
export const REGIONS_OVERRIDES: readonly Override[] = [
  {
    path: "regions.apiKeys",
    env: ENV_API_KEY,
    note: `adds a key before the configured ones, tenant \`${ENV_KEY_TENANT}\``,
  },
  { path: "regions.stateDir", env: ENV_STATE_DIR },
];

/** `eu-west` (Worker 8801, host 8791), …: the default regions as the doc shows them. */
const defaultRegionsText = DEFAULT_REGIONS.map(
  (r) => `\`${r.name}\` (Worker ${r.port}, host ${r.emulator?.port ?? "?"})`,
).join(", ");

export const regionsFileSchema = z
  .object({
    host: z
      .string()
      .min(1)
      .describe("the address every local service binds and every URL names")
      .meta({ default: DEFAULT_EDGE_HOST })
      .optional(),
    stateDir: z
      .string()
      .min(1)
      .describe(
        "durable state, kept across runs: each region's Durable Object storage (`regions/<name>/do`)",
      )
      .meta({ defaultText: DEFAULT_STATE_DIR_TEXT })
      .optional(),
    frontDoor: z
      .object({
        port: portSchema
          .describe("the front door's HTTP port (0 = any free port)")
          .meta({ default: DEFAULT_FRONT_DOOR_PORT }),
      })
      .strict()
      .describe("the front door: the one URL clients use, routing to the nearest healthy region")
      .optional(),
    apiKeys: z
      .array(
        z
          .object({
            key: z
              .string()
              .min(8)
              .describe(
                "the bearer token, in clear (development keys); Workers only get its SHA-256",
              ),
            tenant: nameSchema.describe("the tenant the key's jobs belong to"),
          })
          .strict(),
      )
      .describe(
        `API keys the Workers accept; \`EDGEVM_API_KEY\` adds one first (tenant \`${ENV_KEY_TENANT}\`)`,
      )
      .meta({ defaultText: "none: `edgevm start` generates a key and prints it" })
      .optional(),
    list: z
      .array(regionSchema)
      .min(1)
      .describe("the regions, each a Worker and its emulator hosts")
      .meta({ defaultText: defaultRegionsText })
      .optional(),
    apps: z
      .array(appSchema)
      .describe(
        "user Worker apps, run in the first region's workerd with `VMS` bound to its `VmService` (RPC entrypoints work within one process)",
      )
      .meta({ defaultText: "none" })
      .optional(),
  })
  .strict()
  .describe("the local edge `edgevm start` runs: regions, their hosts, the front door, user apps");

export type RegionsFile = z.infer<typeof regionsFileSchema>;
