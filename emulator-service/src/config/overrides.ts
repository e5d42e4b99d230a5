/**
 * What may override the `emulator` section of the config file: the flags of `edgevm emulator` and
 * environment variables. Flags win over the environment, which wins over the file. This table is
 * the one place naming them: `resolveEmulatorConfig` reads the variables through it, its errors
 * name the flag or variable a bad value came from, and docs/CONFIG.md lists it.
 */
import { configIssue } from "./issues.js";

/** Command-line flags and environment, already read; flags win over env, env over the file. */
export interface ConfigOverrides {
  region?: string | undefined;
  host?: string | undefined;
  port?: number | undefined;
  listenHost?: string | undefined;
  secret?: string | undefined;
  accel?: string | undefined;
  stateDir?: string | undefined;
  runDir?: string | undefined;
  templateDir?: string | undefined;
  /** every pool's min and prewarm (`--warm`, `EDGEVM_POOL_WARM`) */
  warm?: number | undefined;
  /** every pool's pre-spawned clones kept when idle (`--spawned`, `EDGEVM_POOL_SPAWNED`) */
  spawned?: number | undefined;
  /** the region Worker whose directory to join (`--join`, `EDGEVM_JOIN_URL`) */
  joinUrl?: string | undefined;
  /** this host's URL as the region Worker sees it (`--advertise`, `EDGEVM_ADVERTISE_URL`) */
  advertiseUrl?: string | undefined;
}

export interface Override {
  /** the field of the config file it replaces */
  path: string;
  /** the `edgevm emulator` flag, when there is one */
  flag?: string;
  /** the environment variable, when there is one */
  env?: string;
  /** what it does beyond replacing the field */
  note?: string;
}

export const EMULATOR_OVERRIDES = {
  region: { path: "emulator.region", flag: "--region", env: "EDGEVM_REGION" },
  host: { path: "emulator.host", flag: "--host-id", env: "EDGEVM_HOST_ID" },
  listenHost: { path: "emulator.listen.host", flag: "--listen" },
  port: { path: "emulator.listen.port", flag: "--port", env: "EDGEVM_EMULATOR_PORT" },
  secret: { path: "emulator.secret", flag: "--secret", env: "EDGEVM_EMULATOR_SECRET" },
  accel: { path: "emulator.accel", flag: "--accel", env: "EDGEVM_ACCEL" },
  stateDir: { path: "emulator.stateDir", env: "EDGEVM_STATE_DIR" },
  runDir: { path: "emulator.runDir", env: "EDGEVM_RUN_DIR" },
  templateDir: { path: "emulator.templateDir", env: "EDGEVM_TEMPLATE_DIR" },
  warm: {
    path: "emulator.pools",
    flag: "--warm",
    env: "EDGEVM_POOL_WARM",
    note: "every pool's `min` and `prewarm` (and `max` when below)",
  },
  spawned: {
    path: "emulator.pools",
    flag: "--spawned",
    env: "EDGEVM_POOL_SPAWNED",
    note: "every pool's `spawned`",
  },
  joinUrl: { path: "emulator.join.url", flag: "--join", env: "EDGEVM_JOIN_URL" },
  advertiseUrl: {
    path: "emulator.join.advertiseUrl",
    flag: "--advertise",
    env: "EDGEVM_ADVERTISE_URL",
  },
} as const satisfies Record<keyof ConfigOverrides, Override>;

export type OverrideKey = keyof typeof EMULATOR_OVERRIDES;

type Env = Readonly<Record<string, string | undefined>>;

/** A value given by flag or environment, and the flag's or variable's name. */
export interface Overridden {
  value: string;
  from: string;
}

/** Pure: the environment variable that overrides `key`, if it has one and it is set. */
export function envOf(key: OverrideKey, env: Env): string | undefined {
  const spec: Override = EMULATOR_OVERRIDES[key];
  return spec.env === undefined ? undefined : env[spec.env];
}

/**
 * Pure: the flag, else the environment variable, with its name. An empty variable counts as unset
 * for the join URLs (how a script clears them); an empty `EDGEVM_ACCEL` is a bad value.
 */
export function stringOverride(
  key: "accel" | "joinUrl" | "advertiseUrl",
  flags: ConfigOverrides,
  env: Env,
): Overridden | undefined {
  const spec: Override = EMULATOR_OVERRIDES[key];
  const flag = flags[key];
  if (flag !== undefined) return { value: flag, from: spec.flag ?? key };
  const value = envOf(key, env);
  if (value === undefined || (value === "" && key !== "accel")) return undefined;
  return { value, from: spec.env ?? key };
}

/** Pure: a whole-number override from the environment (flags arrive parsed); empty is unset. */
export function wholeNumber(key: "port" | "warm" | "spawned", env: Env): number | undefined {
  const value = envOf(key, env);
  if (value === undefined || value === "") return undefined;
  const n = Number(value);
  if (Number.isInteger(n) && n >= 0) return n;
  const spec = EMULATOR_OVERRIDES[key];
  throw configIssue({
    path: spec.path,
    from: spec.env,
    message: `must be a whole number ≥ 0, got "${value}"`,
  });
}
