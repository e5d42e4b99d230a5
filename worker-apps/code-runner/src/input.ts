/** Pure validation of a `POST /run` request into a snippet to run. */

export const LANGUAGES = ["sh", "awk"] as const;
export type Language = (typeof LANGUAGES)[number];

export const MAX_CODE_BYTES = 64 * 1024;
export const MAX_STDIN_BYTES = 256 * 1024;

export interface RunInput {
  language: Language;
  code: string;
  stdin?: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

const encoder = new TextEncoder();
const byteLength = (text: string): number => encoder.encode(text).length;

function isLanguage(value: string): value is Language {
  return (LANGUAGES as readonly string[]).includes(value);
}

const fail = (message: string): Parsed<never> => ({ ok: false, message });

/**
 * Checks one snippet. `language` defaults to `sh` when absent; code must be non-blank and at most
 * 64 KiB (UTF-8), stdin at most 256 KiB.
 */
export function validateRunInput(fields: {
  language: unknown;
  code: unknown;
  stdin: unknown;
}): Parsed<RunInput> {
  const language = fields.language ?? "sh";
  if (typeof language !== "string" || !isLanguage(language)) {
    return fail(`unknown language ${JSON.stringify(language)}: use one of ${LANGUAGES.join(", ")}`);
  }
  if (typeof fields.code !== "string") return fail("code is required and must be a string");
  if (fields.code.trim() === "") return fail("code must not be empty");
  if (byteLength(fields.code) > MAX_CODE_BYTES) {
    return fail(`code must be at most ${MAX_CODE_BYTES} bytes`);
  }
  if (fields.code.includes("\0")) return fail("code must not contain NUL characters");
  if (fields.stdin !== undefined && typeof fields.stdin !== "string") {
    return fail("stdin must be a string");
  }
  if (fields.stdin !== undefined && byteLength(fields.stdin) > MAX_STDIN_BYTES) {
    return fail(`stdin must be at most ${MAX_STDIN_BYTES} bytes`);
  }
  const input: RunInput = { language, code: fields.code };
  if (fields.stdin !== undefined) input.stdin = fields.stdin;
  return { ok: true, value: input };
}

/**
 * A JSON body `{ language?, code, stdin? }`; `?language=` fills in a missing `language`. Unknown
 * fields are rejected so typos (`"langauge"`) do not silently run as `sh`.
 */
export function parseJsonRunInput(body: unknown, queryLanguage?: string): Parsed<RunInput> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return fail("the body must be a JSON object { language, code, stdin? }");
  }
  const record = body as Record<string, unknown>;
  const unknown = Object.keys(record).filter((key) => !["language", "code", "stdin"].includes(key));
  if (unknown.length > 0) return fail(`unknown field(s): ${unknown.join(", ")}`);
  return validateRunInput({
    language: record.language ?? queryLanguage,
    code: record.code,
    stdin: record.stdin,
  });
}

/** A raw text body: the whole body is the code, `?language=` picks the language. */
export function parseRawRunInput(body: string, queryLanguage?: string): Parsed<RunInput> {
  return validateRunInput({ language: queryLanguage, code: body, stdin: undefined });
}
