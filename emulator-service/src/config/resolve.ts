import { accessSync, constants } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { configIssue, parseConfig } from "./issues.js";
import {
  type ConfigOverrides,
  EMULATOR_OVERRIDES,
  envOf,
  type Overridden,
  stringOverride,
  wholeNumber,
} from "./overrides.js";
import {
  DEFAULT_IDLE_TO_ZERO_MS,
  defaultFillConcurrency,
  type PoolConfig,
  resolvePools,
  type ScalingConfig,
} from "./pools.js";
import {
  DEFAULT_ACCEL,
  DEFAULT_HOST_ID,
  DEFAULT_LIMITS,
  DEFAULT_LISTEN_HOST,
  DEFAULT_LISTEN_PORT,
  DEFAULT_REGION,
  defaultStateDir,
  type EmulatorLimits,
  emulatorSectionSchema,
} from "./schema.js";

export type { ConfigOverrides } from "./overrides.js";
export type { PoolConfig, ScalingConfig } from "./pools.js";
export { DEFAULT_LIMITS, type EmulatorLimits, type EmulatorSection } from "./schema.js";

/** Development secret used when none is configured; `edgevm emulator` warns when it is in use. */
export const DEV_SECRET = "edgevm-dev-secret-change-me";

/**
 * The file's JSON as this package reads it: its `emulator` section; other sections pass (the
 * runtime checks the whole file: runtime/src/config/file-schema.ts).
 */
const emulatorFileSchema = z
  .object({ $comment: z.string().optional(), emulator: emulatorSectionSchema.optional() })
  .passthrough();

export type ConfigFile = z.infer<typeof emulatorFileSchema>;

export interface EmulatorConfig {
  region: string;
  host: string;
  secret: string;
  secretIsDefault: boolean;
  listen: { host: string; port: number };
  accel: "auto" | "kvm" | "tcg";
  /** images and templates (kept across runs) */
  stateDir: string;
  /** sockets and pid files of running VMs (reaped at start-up) */
  runDir: string;
  /**
   * template RAM and state files; on tmpfs by default, where a template boots ~0.4 s faster than
   * with its RAM in a disk-backed file (measured: 1.33 s vs 1.65–1.89 s under TCG)
   */
  templateDir: string;
  limits: EmulatorLimits;
  /** per image: the bounds the autoscaler keeps its warm VMs in (see pool/autoscaler.ts) */
  pools: Record<string, PoolConfig>;
  scaling: ScalingConfig;
  /**
   * the region directory this host joins by heartbeats (membership/); absent: not joined.
   * `url` is the region Worker's base URL; `advertiseUrl` is where that Worker reaches this host
   * (default: the URL the host listens on)
   */
  join?: JoinConfig;
}

export interface JoinConfig {
  url: string;
  advertiseUrl?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Pure: the emulator configuration from the file's JSON, env variables and flags. `fileName` (the
 * config file as the user named it) is for errors only: an INVALID_CONFIG names the file, or the
 * flag or variable, that the bad value came from.
 */
export function resolveEmulatorConfig(
  file: unknown,
  env: Env,
  flags: ConfigOverrides = {},
  facts: HostFacts = detectHostFacts(),
  fileName?: string,
): EmulatorConfig {
  const emu = parseConfig(emulatorFileSchema, file ?? {}, [], fileName).emulator ?? {};
  const secret = flags.secret ?? envOf("secret", env) ?? emu.secret;
  const accel = resolveAccel(stringOverride("accel", flags, env), emu.accel);
  const limits = { ...DEFAULT_LIMITS, ...emu.limits };
  checkLimits(limits, fileName);
  const overrides = {
    warm: flags.warm ?? wholeNumber("warm", env),
    spawned: flags.spawned ?? wholeNumber("spawned", env),
  };
  const pools = resolvePools(emu.pools, limits.slots, overrides, fileName);
  const stateDir = flags.stateDir ?? envOf("stateDir", env) ?? emu.stateDir ?? defaultStateDir(env);
  const region = flags.region ?? envOf("region", env) ?? emu.region ?? DEFAULT_REGION;
  const host = flags.host ?? envOf("host", env) ?? emu.host ?? DEFAULT_HOST_ID;
  const joinConfig = resolveJoin(emu.join, env, flags, fileName);
  return {
    region,
    host,
    secret: secret ?? DEV_SECRET,
    secretIsDefault: secret === undefined,
    listen: {
      host: flags.listenHost ?? emu.listen?.host ?? DEFAULT_LISTEN_HOST,
      port: flags.port ?? wholeNumber("port", env) ?? emu.listen?.port ?? DEFAULT_LISTEN_PORT,
    },
    accel,
    stateDir,
    templateDir:
      flags.templateDir ??
      envOf("templateDir", env) ??
      emu.templateDir ??
      (facts.shmDir ? join(facts.shmDir, "edgevm", "templates") : join(stateDir, "templates")),
    runDir:
      flags.runDir ??
      envOf("runDir", env) ??
      emu.runDir ??
      join(tmpdir(), `edgevm-${region}-${host}`),
    limits,
    pools,
    scaling: {
      idleToZeroMs: emu.scaling?.idleToZeroMs ?? DEFAULT_IDLE_TO_ZERO_MS,
      fillConcurrency: emu.scaling?.fillConcurrency ?? defaultFillConcurrency(facts.cores),
    },
    ...(joinConfig ? { join: joinConfig } : {}),
  };
}

/** The flag's or variable's accelerator, checked (the file's the schema checked), else `auto`. */
function resolveAccel(
  override: Overridden | undefined,
  file: EmulatorConfig["accel"] | undefined,
): EmulatorConfig["accel"] {
  if (override === undefined) return file ?? DEFAULT_ACCEL;
  const { value, from } = override;
  if (value === "auto" || value === "kvm" || value === "tcg") return value;
  throw configIssue({
    path: EMULATOR_OVERRIDES.accel.path,
    from,
    message: `must be one of auto, kvm, tcg, got "${value}"`,
  });
}

/** The limits that must agree with each other: each default between its minimum and maximum. */
function checkLimits(limits: EmulatorLimits, fileName: string | undefined): void {
  const { minMemoryMiB: min, defaultMemoryMiB: def, maxMemoryMiB: max } = limits;
  if (!(min <= def && def <= max)) {
    const message = `needs minMemoryMiB ≤ defaultMemoryMiB ≤ maxMemoryMiB (got ${min}, ${def}, ${max})`;
    throw configIssue({ path: "emulator.limits", message }, fileName);
  }
  const { defaultTimeoutMs, maxTimeoutMs } = limits;
  if (defaultTimeoutMs > maxTimeoutMs) {
    const message = `needs defaultTimeoutMs ≤ maxTimeoutMs (got ${defaultTimeoutMs}, ${maxTimeoutMs})`;
    throw configIssue({ path: "emulator.limits", message }, fileName);
  }
}

/** `emulator.join`, under `EDGEVM_JOIN_URL`/`--join` and `EDGEVM_ADVERTISE_URL`/`--advertise`. */
function resolveJoin(
  file: { url: string; advertiseUrl?: string | undefined } | undefined,
  env: Env,
  flags: ConfigOverrides,
  fileName: string | undefined,
): JoinConfig | undefined {
  const url = stringOverride("joinUrl", flags, env) ?? fromFile(file?.url);
  const advertise = stringOverride("advertiseUrl", flags, env) ?? fromFile(file?.advertiseUrl);
  if (url === undefined) {
    if (advertise === undefined) return undefined;
    throw configIssue({
      path: EMULATOR_OVERRIDES.advertiseUrl.path,
      from: advertise.from,
      message: "needs a join URL (--join, EDGEVM_JOIN_URL or emulator.join.url)",
    });
  }
  checkHttpUrl("joinUrl", url, fileName);
  if (advertise === undefined) return { url: url.value };
  checkHttpUrl("advertiseUrl", advertise, fileName);
  return { url: url.value, advertiseUrl: advertise.value };
}

/** A value of the file, which has no flag or variable to name (errors name the file). */
function fromFile(value: string | undefined): { value: string; from?: string } | undefined {
  return value === undefined ? undefined : { value };
}

/** Throws unless the URL is http(s). */
function checkHttpUrl(
  key: "joinUrl" | "advertiseUrl",
  { value, from }: { value: string; from?: string },
  fileName: string | undefined,
): void {
  let protocol: string | undefined;
  try {
    protocol = new URL(value).protocol;
  } catch {
    protocol = undefined;
  }
  if (protocol === "http:" || protocol === "https:") return;
  const whose = key === "joinUrl" ? "the region Worker's" : "this host's";
  throw configIssue(
    {
      path: EMULATOR_OVERRIDES[key].path,
      ...(from !== undefined ? { from } : {}),
      message: `must be ${whose} http(s) URL, got "${value}"`,
    },
    fileName,
  );
}

/** Facts about the host that defaults depend on; detected once, passed explicitly in tests. */
export interface HostFacts {
  /** a writable tmpfs for templates, when there is one */
  shmDir: string | undefined;
  /** CPUs this process may use (`os.availableParallelism()`): the default fill concurrency */
  cores: number;
}

export function detectHostFacts(): HostFacts {
  const cores = availableParallelism();
  try {
    accessSync("/dev/shm", constants.W_OK);
    return { shmDir: "/dev/shm", cores };
  } catch {
    return { shmDir: undefined, cores };
  }
}
