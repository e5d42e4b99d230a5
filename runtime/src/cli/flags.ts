/**
 * Command-line values: a flag that overrides the config (`--port`, `--warm`, `--spawned`) is a
 * config value, so a bad one is an INVALID_CONFIG naming the flag and the field it overrides; any
 * other bad command line (an unknown option, a job's `--timeout`) is a usage error: exit status 2.
 */
import { configIssue } from "@edgevm/emulator/config/issues";
import { EMULATOR_OVERRIDES } from "@edgevm/emulator/config/overrides";

export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** Pure: a usage error, or one of `node:util` parseArgs' errors (an unknown option, …)? */
export function isUsageError(err: unknown): boolean {
  if (err instanceof UsageError) return true;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("ERR_PARSE_ARGS_");
}

function wholeNumber(value: string): number | undefined {
  const n = value.trim() === "" ? Number.NaN : Number(value);
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

/** Pure: a config flag's whole number (`--port`, `--warm`, `--spawned`); absent: undefined. */
export function configIntFlag(
  value: string | undefined,
  key: "port" | "warm" | "spawned",
): number | undefined {
  if (value === undefined) return undefined;
  const n = wholeNumber(value);
  if (n !== undefined) return n;
  const { path, flag } = EMULATOR_OVERRIDES[key];
  throw configIssue({ path, from: flag, message: `must be a whole number ≥ 0, got "${value}"` });
}

/** Pure: any other flag's whole number (`--timeout`, `--memory`); absent: undefined. */
export function intFlag(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = wholeNumber(value);
  if (n === undefined) throw new UsageError(`${flag} needs a whole number, got "${value}"`);
  return n;
}
