/** Request limits of the emulator API; the service's config supplies overrides. */

export interface ApiLimits {
  /** raw request body cap, checked before parsing (413 PAYLOAD_TOO_LARGE) */
  maxBodyBytes: number;
  maxTimeoutMs: number;
  defaultTimeoutMs: number;
  /** the stock Debian kernel needs at least 88 MiB of guest RAM */
  minMemoryMiB: number;
  maxMemoryMiB: number;
  defaultMemoryMiB: number;
  maxVcpus: number;
  defaultVcpus: number;
  maxCommandArgs: number;
  /** per argv entry, in UTF-8 bytes */
  maxArgBytes: number;
  maxEnvEntries: number;
  maxFiles: number;
}

export const DEFAULT_LIMITS: Readonly<ApiLimits> = Object.freeze({
  maxBodyBytes: 1024 * 1024,
  maxTimeoutMs: 600_000,
  defaultTimeoutMs: 30_000,
  minMemoryMiB: 96,
  maxMemoryMiB: 1024,
  defaultMemoryMiB: 128,
  maxVcpus: 2,
  defaultVcpus: 1,
  maxCommandArgs: 4096,
  maxArgBytes: 64 * 1024,
  maxEnvEntries: 256,
  maxFiles: 256,
});

/** Defaults plus overrides; throws when the result is inconsistent (a config error). */
export function resolveLimits(overrides: Partial<ApiLimits> = {}): ApiLimits {
  const limits: ApiLimits = { ...DEFAULT_LIMITS };
  for (const [key, value] of Object.entries(overrides) as Array<[keyof ApiLimits, unknown]>) {
    if (value === undefined) continue;
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
      throw new Error(`limits.${key} must be a positive integer, got ${String(value)}`);
    }
    limits[key] = value;
  }
  const ordered: Array<[keyof ApiLimits, keyof ApiLimits, keyof ApiLimits]> = [
    ["minMemoryMiB", "defaultMemoryMiB", "maxMemoryMiB"],
    ["defaultTimeoutMs", "defaultTimeoutMs", "maxTimeoutMs"],
    ["defaultVcpus", "defaultVcpus", "maxVcpus"],
  ];
  for (const [lo, mid, hi] of ordered) {
    if (!(limits[lo] <= limits[mid] && limits[mid] <= limits[hi])) {
      throw new Error(`limits must satisfy ${lo} <= ${mid} <= ${hi}`);
    }
  }
  return limits;
}
