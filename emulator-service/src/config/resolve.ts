import { accessSync, constants } from "node:fs";
import { availableParallelism, homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { EdgevmError } from "@edgevm/contract";
import { z } from "zod";
import {
  DEFAULT_IDLE_TO_ZERO_MS,
  defaultFillConcurrency,
  type PoolConfig,
  poolFileSchema,
  resolvePools,
  type ScalingConfig,
  scalingFileSchema,
} from "./pools.js";

export type { PoolConfig, ScalingConfig } from "./pools.js";

/** Development secret used when none is configured; `edgevm emulator` warns when it is in use. */
export const DEV_SECRET = "edgevm-dev-secret-change-me";

const emulatorFileSchema = z
  .object({
    region: z.string().min(1).optional(),
    host: z.string().min(1).optional(),
    secret: z.string().min(16).optional(),
    listen: z
      .object({ host: z.string().optional(), port: z.int().min(0).max(65535).optional() })
      .strict()
      .optional(),
    accel: z.enum(["auto", "kvm", "tcg"]).optional(),
    stateDir: z.string().optional(),
    runDir: z.string().optional(),
    templateDir: z.string().optional(),
    limits: z
      .object({
        slots: z.int().min(1).max(1024),
        maxQueue: z.int().min(0),
        queueTimeoutMs: z.int().min(1),
        maxOutputBytes: z.int().min(1),
        maxBodyBytes: z.int().min(1024),
        defaultTimeoutMs: z.int().min(1),
        maxTimeoutMs: z.int().min(1),
        defaultMemoryMiB: z.int().min(96),
        minMemoryMiB: z.int().min(96),
        maxMemoryMiB: z.int().min(96),
        maxVcpus: z.int().min(1).max(64),
        memoryBudgetMiB: z.int().min(128),
      })
      .partial()
      .strict()
      .optional(),
    pools: z.record(z.string(), poolFileSchema).optional(),
    scaling: scalingFileSchema.optional(),
    join: z
      .object({ url: z.string().min(1), advertiseUrl: z.string().min(1).optional() })
      .strict()
      .optional(),
  })
  .strict();

export const configFileSchema = z
  .object({ $comment: z.string().optional(), emulator: emulatorFileSchema.optional() })
  .passthrough();

export type ConfigFile = z.infer<typeof configFileSchema>;

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
  limits: {
    slots: number;
    maxQueue: number;
    queueTimeoutMs: number;
    maxOutputBytes: number;
    maxBodyBytes: number;
    defaultTimeoutMs: number;
    maxTimeoutMs: number;
    defaultMemoryMiB: number;
    minMemoryMiB: number;
    maxMemoryMiB: number;
    maxVcpus: number;
    memoryBudgetMiB: number;
  };
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

export const DEFAULT_LIMITS: EmulatorConfig["limits"] = {
  slots: 8,
  maxQueue: 64,
  queueTimeoutMs: 30_000,
  maxOutputBytes: 1_048_576,
  maxBodyBytes: 1_048_576,
  defaultTimeoutMs: 30_000,
  maxTimeoutMs: 600_000,
  defaultMemoryMiB: 128,
  minMemoryMiB: 96,
  maxMemoryMiB: 1024,
  maxVcpus: 2,
  memoryBudgetMiB: 8192,
};

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

/** Pure: the emulator configuration from the file's JSON, env variables and flags. */
export function resolveEmulatorConfig(
  file: unknown,
  env: Readonly<Record<string, string | undefined>>,
  flags: ConfigOverrides = {},
  facts: HostFacts = detectHostFacts(),
): EmulatorConfig {
  const parsed = configFileSchema.safeParse(file ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new EdgevmError("INVALID_REQUEST", `invalid config: ${issues.join("; ")}`, {
      details: issues,
    });
  }
  const emu = parsed.data.emulator ?? {};
  const secret = flags.secret ?? env.EDGEVM_EMULATOR_SECRET ?? emu.secret;
  const accel = flags.accel ?? env.EDGEVM_ACCEL ?? emu.accel ?? "auto";
  if (accel !== "auto" && accel !== "kvm" && accel !== "tcg") {
    throw new EdgevmError("INVALID_REQUEST", `invalid accel "${accel}" (auto, kvm or tcg)`);
  }
  const cacheHome = env.XDG_CACHE_HOME ?? join(env.HOME ?? homedir(), ".cache");
  const limits = { ...DEFAULT_LIMITS, ...emu.limits };
  if (
    limits.minMemoryMiB > limits.maxMemoryMiB ||
    limits.defaultMemoryMiB < limits.minMemoryMiB ||
    limits.defaultMemoryMiB > limits.maxMemoryMiB
  ) {
    throw new EdgevmError(
      "INVALID_REQUEST",
      "invalid config: need minMemoryMiB ≤ defaultMemoryMiB ≤ maxMemoryMiB",
    );
  }
  if (limits.defaultTimeoutMs > limits.maxTimeoutMs) {
    throw new EdgevmError("INVALID_REQUEST", "invalid config: defaultTimeoutMs > maxTimeoutMs");
  }
  const pools = resolvePools(emu.pools, limits.slots, {
    warm: flags.warm ?? numberFrom(env.EDGEVM_POOL_WARM),
    spawned: flags.spawned ?? numberFrom(env.EDGEVM_POOL_SPAWNED),
  });
  const stateDir =
    flags.stateDir ?? env.EDGEVM_STATE_DIR ?? emu.stateDir ?? join(cacheHome, "edgevm");
  const region = flags.region ?? env.EDGEVM_REGION ?? emu.region ?? "local";
  const host = flags.host ?? env.EDGEVM_HOST_ID ?? emu.host ?? "host-1";
  const joinConfig = resolveJoin(emu.join, env, flags);
  return {
    region,
    host,
    secret: secret ?? DEV_SECRET,
    secretIsDefault: secret === undefined,
    listen: {
      host: flags.listenHost ?? emu.listen?.host ?? "127.0.0.1",
      port: flags.port ?? numberFrom(env.EDGEVM_EMULATOR_PORT) ?? emu.listen?.port ?? 8790,
    },
    accel,
    stateDir,
    templateDir:
      flags.templateDir ??
      env.EDGEVM_TEMPLATE_DIR ??
      emu.templateDir ??
      (facts.shmDir ? join(facts.shmDir, "edgevm", "templates") : join(stateDir, "templates")),
    runDir:
      flags.runDir ??
      env.EDGEVM_RUN_DIR ??
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

/** `emulator.join`, under `EDGEVM_JOIN_URL`/`--join` and `EDGEVM_ADVERTISE_URL`/`--advertise`. */
function resolveJoin(
  file: { url: string; advertiseUrl?: string | undefined } | undefined,
  env: Readonly<Record<string, string | undefined>>,
  flags: ConfigOverrides,
): JoinConfig | undefined {
  const url = flags.joinUrl ?? nonEmpty(env.EDGEVM_JOIN_URL) ?? file?.url;
  const advertiseUrl =
    flags.advertiseUrl ?? nonEmpty(env.EDGEVM_ADVERTISE_URL) ?? file?.advertiseUrl;
  if (url === undefined) {
    if (advertiseUrl !== undefined) {
      throw new EdgevmError(
        "INVALID_REQUEST",
        "invalid config: an advertise URL (--advertise, EDGEVM_ADVERTISE_URL) needs a join URL (--join, EDGEVM_JOIN_URL or emulator.join.url)",
      );
    }
    return undefined;
  }
  assertHttpUrl(url, "join URL (--join, EDGEVM_JOIN_URL, emulator.join.url)");
  if (advertiseUrl === undefined) return { url };
  assertHttpUrl(
    advertiseUrl,
    "advertise URL (--advertise, EDGEVM_ADVERTISE_URL, emulator.join.advertiseUrl)",
  );
  return { url, advertiseUrl };
}

function assertHttpUrl(value: string, name: string): void {
  let protocol: string | undefined;
  try {
    protocol = new URL(value).protocol;
  } catch {
    protocol = undefined;
  }
  if (protocol !== "http:" && protocol !== "https:") {
    throw new EdgevmError(
      "INVALID_REQUEST",
      `invalid config: the ${name} must be an http(s) URL, got "${value}"`,
    );
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
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

function numberFrom(value: string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new EdgevmError("INVALID_REQUEST", `not a whole number: "${value}"`);
  return n;
}
