/** Pure: a list of step specs into the `sh -c` script that runs them over the input file. */

import { shJoin, shQuote } from "./quote.js";
import { type Parsed, parseStep, type Step } from "./steps.js";

export const INPUT_PATH = "/work/input.txt";
export const MAX_STEPS = 16;

export interface Pipeline {
  /** for `sh -c`: every word single-quoted, the first step reading the input file */
  script: string;
  steps: Step[];
}

/**
 * `["grep:error", "sort", "uniq -c"]` →
 * `'grep' '-e' 'error' < '/work/input.txt' | 'sort' | 'uniq' '-c'`.
 */
export function buildPipeline(specs: readonly string[]): Parsed<Pipeline> {
  if (specs.length === 0) return { ok: false, message: "give at least one step" };
  if (specs.length > MAX_STEPS) return { ok: false, message: `at most ${MAX_STEPS} steps` };
  const steps: Step[] = [];
  for (const spec of specs) {
    const parsed = parseStep(spec);
    if (!parsed.ok) return parsed;
    steps.push(parsed.value);
  }
  const commands = steps.map((step, index) =>
    index === 0 ? `${shJoin(step.argv)} < ${shQuote(INPUT_PATH)}` : shJoin(step.argv),
  );
  return { ok: true, value: { script: commands.join(" | "), steps } };
}
