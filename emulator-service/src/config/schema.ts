/**
 * The `emulator` section of `config/edgevm.json`: every field, its description and its default.
 * docs/CONFIG.md is generated from this schema (`npm run docs:config`); `resolveEmulatorConfig`
 * applies the same defaults (the constants below), so the two cannot drift apart.
 */
import { homedir } from "node:os";
import { join } from "node:path";
import { DEFAULT_LIMITS as API_LIMITS } from "@edgevm/contract";
import { z } from "zod";
import { DEFAULT_PREWARM, poolFileSchema, scalingFileSchema } from "./pools.js";

export const DEFAULT_REGION = "local";
export const DEFAULT_HOST_ID = "host-1";
export const DEFAULT_LISTEN_HOST = "127.0.0.1";
export const DEFAULT_LISTEN_PORT = 8790;
export const DEFAULT_ACCEL = "auto";

/** Pure: `$XDG_CACHE_HOME/edgevm`, else `~/.cache/edgevm`: images, templates, Durable Objects. */
export function defaultStateDir(env: Readonly<Record<string, string | undefined>>): string {
  return join(env.XDG_CACHE_HOME ?? join(env.HOME ?? homedir(), ".cache"), "edgevm");
}
export const DEFAULT_STATE_DIR_TEXT = "`$XDG_CACHE_HOME/edgevm`, else `~/.cache/edgevm`";

/** Limits of one host: its job slots and queue, and what one request may ask for. */
export interface EmulatorLimits {
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
}

/** The request limits come from the contract's `DEFAULT_LIMITS`, the host's own from here. */
export const DEFAULT_LIMITS: Readonly<EmulatorLimits> = Object.freeze({
  slots: 8,
  maxQueue: 64,
  queueTimeoutMs: 30_000,
  maxOutputBytes: 1_048_576,
  maxBodyBytes: API_LIMITS.maxBodyBytes,
  defaultTimeoutMs: API_LIMITS.defaultTimeoutMs,
  maxTimeoutMs: API_LIMITS.maxTimeoutMs,
  defaultMemoryMiB: API_LIMITS.defaultMemoryMiB,
  minMemoryMiB: API_LIMITS.minMemoryMiB,
  maxMemoryMiB: API_LIMITS.maxMemoryMiB,
  maxVcpus: API_LIMITS.maxVcpus,
  memoryBudgetMiB: 8192,
});

/** Guest RAM below this does not boot: the stock Debian kernel needs 88 MiB (docs/FACTS.md). */
const MIN_GUEST_MIB = 96;

const memory = () => z.int().min(MIN_GUEST_MIB);

const limitsSchema = z
  .object({
    slots: z
      .int()
      .min(1)
      .max(1024)
      .describe("jobs running at once on this host; more wait in the queue")
      .meta({ default: DEFAULT_LIMITS.slots }),
    maxQueue: z
      .int()
      .min(0)
      .describe("jobs waiting for a slot; one more is refused at once with 429 QUEUE_FULL")
      .meta({ default: DEFAULT_LIMITS.maxQueue }),
    queueTimeoutMs: z
      .int()
      .min(1)
      .describe("ms a job may wait for a slot before it fails with 503 NO_CAPACITY")
      .meta({ default: DEFAULT_LIMITS.queueTimeoutMs }),
    maxOutputBytes: z
      .int()
      .min(1)
      .describe(
        "bytes kept of each output stream (stdout, stderr) of a job; the rest is dropped and the result says `truncated: true`",
      )
      .meta({ default: DEFAULT_LIMITS.maxOutputBytes }),
    maxBodyBytes: z
      .int()
      .min(1024)
      .describe("the largest request body, bytes, checked before parsing (413 PAYLOAD_TOO_LARGE)")
      .meta({ default: DEFAULT_LIMITS.maxBodyBytes }),
    defaultTimeoutMs: z
      .int()
      .min(1)
      .describe("ms a job may run when its request gives no `timeoutMs`; at most `maxTimeoutMs`")
      .meta({ default: DEFAULT_LIMITS.defaultTimeoutMs }),
    maxTimeoutMs: z
      .int()
      .min(1)
      .describe("the longest `timeoutMs` a request may ask for, ms")
      .meta({ default: DEFAULT_LIMITS.maxTimeoutMs }),
    defaultMemoryMiB: memory()
      .describe(
        "guest RAM, MiB, of a job whose request gives no `memoryMiB`; between `minMemoryMiB` and `maxMemoryMiB`; like every request, rounded up to a tier (powers of two from 128, at most `maxMemoryMiB`)",
      )
      .meta({ default: DEFAULT_LIMITS.defaultMemoryMiB }),
    minMemoryMiB: memory()
      .describe(
        `the least guest RAM a request may ask for, MiB; at least ${MIN_GUEST_MIB}: the stock Debian kernel needs 88 MiB`,
      )
      .meta({ default: DEFAULT_LIMITS.minMemoryMiB }),
    maxMemoryMiB: memory()
      .describe("the most guest RAM a request may ask for, MiB; also the top memory tier")
      .meta({ default: DEFAULT_LIMITS.maxMemoryMiB }),
    maxVcpus: z
      .int()
      .min(1)
      .max(64)
      .describe("the most vCPUs a request may ask for")
      .meta({ default: DEFAULT_LIMITS.maxVcpus }),
    memoryBudgetMiB: z
      .int()
      .min(128)
      .describe(
        "guest RAM, MiB, all VMs of this host may hold at once, each counted at its full size; warm pools are cut to fit",
      )
      .meta({ default: DEFAULT_LIMITS.memoryBudgetMiB }),
  })
  .partial()
  .strict();

export const emulatorSectionSchema = z
  .object({
    region: z
      .string()
      .min(1)
      .describe("the region this host serves; reported in every result and in capacity")
      .meta({ default: DEFAULT_REGION })
      .optional(),
    host: z
      .string()
      .min(1)
      .describe("this host's id within its region; reported in every result")
      .meta({ default: DEFAULT_HOST_ID })
      .optional(),
    secret: z
      .string()
      .min(16)
      .describe(
        "HMAC-SHA256 secret shared with the region's Workers, at least 16 characters; better given as `EDGEVM_EMULATOR_SECRET` than written in the file",
      )
      .meta({ defaultText: "a development secret (`edgevm emulator` warns when it is used)" })
      .optional(),
    listen: z
      .object({
        host: z
          .string()
          .describe("address the host API listens on")
          .meta({ default: DEFAULT_LISTEN_HOST })
          .optional(),
        port: z
          .int()
          .min(0)
          .max(65535)
          .describe("port the host API listens on; 0 = any free port")
          .meta({ default: DEFAULT_LISTEN_PORT })
          .optional(),
      })
      .strict()
      .describe("where the host API listens")
      .optional(),
    accel: z
      .enum(["auto", "kvm", "tcg"])
      .describe(
        "`auto` runs a probe guest under KVM and falls back to TCG when it does not run (a `/dev/kvm` may exist whose vCPUs never run); `kvm` and `tcg` force one",
      )
      .meta({ default: DEFAULT_ACCEL })
      .optional(),
    stateDir: z
      .string()
      .describe("guest images and the KVM probe's result, kept across runs")
      .meta({ defaultText: DEFAULT_STATE_DIR_TEXT })
      .optional(),
    runDir: z
      .string()
      .describe(
        "sockets and pid files of running VMs; what a crashed run left there is reaped at start-up",
      )
      .meta({ defaultText: "`$TMPDIR/edgevm-<region>-<host>`" })
      .optional(),
    templateDir: z
      .string()
      .describe(
        "template RAM and device state; on tmpfs a template boots ~0.4 s faster than from a disk-backed file (1.33 s vs 1.65–1.89 s under TCG)",
      )
      .meta({
        defaultText:
          "`/dev/shm/edgevm/templates`, or `<stateDir>/templates` where /dev/shm is not writable",
      })
      .optional(),
    limits: limitsSchema
      .describe("the host's job slots and queue, and what one request may ask for")
      .optional(),
    pools: z
      .record(z.string(), poolFileSchema)
      .describe(
        "warm VM pools per guest image (`<image>`: `base`, …), each `{ min, max, prewarm, spawned }` or the older `{ warm, spawned }`; images, memory and vCPU sizes not listed get pools from zero",
      )
      .meta({ key: "image", default: { base: { prewarm: DEFAULT_PREWARM } } })
      .optional(),
    scaling: scalingFileSchema.describe("how the autoscaler sizes every pool").optional(),
    join: z
      .object({
        url: z
          .string()
          .min(1)
          .describe("http(s) URL of the region Worker whose host directory this host joins"),
        advertiseUrl: z
          .string()
          .min(1)
          .describe("http(s) URL where that Worker reaches this host's API")
          .meta({ defaultText: "the URL the host listens on" })
          .optional(),
      })
      .strict()
      .describe("the region directory this host joins by signed heartbeats; absent: not joined")
      .optional(),
  })
  .strict()
  .describe(
    "every emulator host: `edgevm emulator`, and the hosts `edgevm start` runs (which take their region, host id, port and secret from `regions` and the shared secret)",
  );

export type EmulatorSection = z.infer<typeof emulatorSectionSchema>;
