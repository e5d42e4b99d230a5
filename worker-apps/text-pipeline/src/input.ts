/**
 * What a `POST /pipeline` request carries: the text and the step specs. Three body forms:
 * - multipart/form-data: the file in field `file` (or `text`), steps in `step` fields or `steps`
 * - application/json: `{ "text": "...", "steps": ["grep:x", "sort"] }`
 * - anything else: the raw body is the text
 * Steps missing from the body come from the query: `?step=grep:x&step=sort` or `?steps=[...]`
 * (a JSON array).
 */

import type { Parsed } from "./steps.js";

export const MAX_TEXT_BYTES = 512 * 1024;

export interface PipelineInput {
  text: string;
  steps: string[];
}

const fail = (message: string): Parsed<never> => ({ ok: false, message });

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}

/** `step` values (repeatable) or one `steps` JSON array; undefined when neither is there. */
export function stepsFrom(
  step: readonly string[],
  steps: string | undefined,
): Parsed<string[]> | undefined {
  if (step.length > 0 && steps !== undefined) return fail("give either step or steps, not both");
  if (step.length > 0) return { ok: true, value: [...step] };
  if (steps === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(steps);
  } catch {
    return fail("steps must be a JSON array of strings");
  }
  return isStringArray(parsed)
    ? { ok: true, value: parsed }
    : fail("steps must be a JSON array of strings");
}

/** The body's steps when it has any, else the query's. */
export function combine(
  text: unknown,
  bodySteps: Parsed<string[]> | undefined,
  querySteps: Parsed<string[]> | undefined,
): Parsed<PipelineInput> {
  if (typeof text !== "string")
    return fail('no text: upload a file (field "file") or send it as the body');
  const steps = bodySteps ?? querySteps;
  if (steps === undefined) return fail("no steps: add ?step=… (repeatable) or a steps list");
  if (!steps.ok) return steps;
  return { ok: true, value: { text, steps: steps.value } };
}

/** A JSON body `{ text, steps? }`. */
export function parseJsonBody(
  body: unknown,
  querySteps: Parsed<string[]> | undefined,
): Parsed<PipelineInput> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return fail("the body must be a JSON object { text, steps }");
  }
  const { text, steps, ...rest } = body as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) return fail(`unknown field(s): ${unknown.join(", ")}`);
  if (steps !== undefined && !isStringArray(steps))
    return fail("steps must be an array of strings");
  return combine(text, steps === undefined ? undefined : { ok: true, value: steps }, querySteps);
}
