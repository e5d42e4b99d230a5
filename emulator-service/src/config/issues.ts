/**
 * Config errors: every problem with `config/edgevm.json`, a flag or an environment variable is an
 * `EdgevmError("INVALID_CONFIG")` whose message names the file (when the value came from one), the
 * field's path and, for overrides, the flag or variable it came from:
 * `config/edgevm.json: emulator.limits.slots: must be at most 1024`,
 * `emulator.accel (--accel): must be one of auto, kvm, tcg, got "xen"`.
 * `details` is `{ file, issues: [{ path, message, from? }] }`.
 */
import { EdgevmError, flattenZodIssues } from "@edgevm/contract";
import type { z } from "zod";

export interface ConfigIssue {
  /**
   * the field, dotted from the file's root: `emulator.limits.slots`, `regions.list.0.name`; empty
   * for the file as a whole (not JSON, not found)
   */
  path: string;
  message: string;
  /** the flag or environment variable the value came from; absent: the file (or defaults) */
  from?: string;
}

/** The INVALID_CONFIG error for `issues`; `file` is the config file as the user names it. */
export function configError(issues: readonly ConfigIssue[], file?: string): EdgevmError {
  const fromFile = issues.filter((i) => i.from === undefined);
  const fromOverrides = issues.filter((i) => i.from !== undefined);
  const parts: string[] = [];
  if (fromFile.length) {
    const text = fromFile.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; ");
    parts.push(file === undefined ? text : `${file}: ${text}`);
  }
  for (const i of fromOverrides) parts.push(`${i.path} (${i.from}): ${i.message}`);
  return new EdgevmError("INVALID_CONFIG", parts.join("; "), {
    details: { file, issues: issues.map((i) => ({ ...i })) },
  });
}

/** One issue, as an error (the common case of a check outside the schema). */
export function configIssue(issue: ConfigIssue, file?: string): EdgevmError {
  return configError([issue], file);
}

/**
 * Messages in plain words for the config schemas' issues; pass as `safeParse(x, { error })`.
 * Messages a schema sets itself (refinements, regexes) win over these.
 */
export const configErrorMap: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case "invalid_type":
      if (issue.input === undefined) return "is required";
      return `must be ${EXPECTED[issue.expected] ?? issue.expected}, got ${describeInput(issue.input)}`;
    case "too_big":
      return bound("at most", issue.origin, issue.maximum, issue.inclusive !== false);
    case "too_small":
      if (issue.origin === "string" && Number(issue.minimum) === 1) return "must not be empty";
      return bound("at least", issue.origin, issue.minimum, issue.inclusive !== false);
    case "invalid_value":
      return `must be one of ${issue.values.map(String).join(", ")}, got ${describeInput(issue.input)}`;
    default:
      return undefined;
  }
};

const EXPECTED: Partial<Record<string, string>> = {
  string: "a string",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  object: "an object",
  array: "an array",
  record: "an object",
};

function bound(
  word: "at most" | "at least",
  origin: string,
  value: number | bigint,
  inclusive: boolean,
): string {
  const exclusive = word === "at most" ? "less than" : "more than";
  const relation = inclusive ? word : exclusive;
  const one = Number(value) === 1;
  if (origin === "string") return `must be ${relation} ${value} character${one ? "" : "s"} long`;
  if (origin === "array" || origin === "set") {
    return `must have ${relation} ${value} ${one ? "entry" : "entries"}`;
  }
  return `must be ${relation} ${value}`;
}

function describeInput(input: unknown): string {
  if (input === null) return "null";
  if (Array.isArray(input)) return "an array";
  if (typeof input === "string") return JSON.stringify(input);
  if (typeof input === "object") return "an object";
  return String(input);
}

/**
 * Pure: zod's issues as config issues under `prefix` (the section: `["emulator"]`), each on its
 * own dotted path (the contract's `flattenZodIssues`: unknown keys one by one, a union reported by
 * the branch the value was close to).
 */
export function issuesFromZod(
  issues: readonly z.core.$ZodIssue[],
  prefix: readonly PropertyKey[] = [],
): ConfigIssue[] {
  return flattenZodIssues(issues, prefix, { unknownKeyMessage: "unknown field" }).map((i) => ({
    path: dotted(i.path),
    message: i.message,
  }));
}

function dotted(path: readonly PropertyKey[]): string {
  return path.length ? path.map(String).join(".") : "(root)";
}

/**
 * Pure: `schema` parsed, or the INVALID_CONFIG error naming `file` and each field under `prefix`.
 */
export function parseConfig<T extends z.ZodType>(
  schema: T,
  value: unknown,
  prefix: readonly PropertyKey[],
  file?: string,
): z.output<T> {
  const parsed = schema.safeParse(value, { error: configErrorMap });
  if (parsed.success) return parsed.data;
  throw configError(issuesFromZod(parsed.error.issues, prefix), file);
}
