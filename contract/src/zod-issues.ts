/**
 * zod's issues flattened into one list of field problems, for every place that turns a failed
 * parse into a coded error (request bodies: INVALID_REQUEST; config: INVALID_CONFIG). Each caller
 * formats the path its own way.
 */

import type { z } from "zod";

export interface FlatZodIssue {
  /** the field the issue is about, from the parsed value's root (under the given prefix) */
  path: PropertyKey[];
  code: string;
  message: string;
}

export interface FlattenOptions {
  /** the message of an unknown key (each one is an issue on its own path) */
  unknownKeyMessage: string;
}

/**
 * Pure: an unknown key becomes one issue on that key's path; a bad record key an `invalid_key`
 * issue on it; a union that matched no shape reports the one branch the value was close to (no
 * unknown, missing or wrongly typed field there), or else the union's own message.
 */
export function flattenZodIssues(
  issues: readonly z.core.$ZodIssue[],
  prefix: readonly PropertyKey[],
  options: FlattenOptions,
): FlatZodIssue[] {
  const out: FlatZodIssue[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === "invalid_key") {
      for (const inner of flattenZodIssues(issue.issues, path, options)) {
        out.push({ ...inner, code: "invalid_key", message: `invalid key: ${inner.message}` });
      }
    } else if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        out.push({ path: [...path, key], code: issue.code, message: options.unknownKeyMessage });
      }
    } else if (issue.code === "invalid_union") {
      const close = issue.errors.filter((branch) => branch.every((i) => !isShapeMismatch(i)));
      const [only] = close;
      if (close.length === 1 && only) out.push(...flattenZodIssues(only, path, options));
      else out.push({ path, code: issue.code, message: issue.message });
    } else {
      out.push({ path, code: issue.code, message: issue.message });
    }
  }
  return out;
}

/** An unknown key, a missing one or a value of the wrong kind: the value has another shape. */
function isShapeMismatch(issue: z.core.$ZodIssue): boolean {
  return issue.code === "unrecognized_keys" || issue.code === "invalid_type";
}
