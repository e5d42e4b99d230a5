/** Validates a `POST /v1/jobs` body into a JobSpec. Every failure names the field and the reason. */

import { z } from "zod";
import { EdgevmError } from "../errors/index.js";
import type { ApiLimits } from "../limits.js";
import { flattenZodIssues } from "../zod-issues.js";
import { outputEncodingSchema } from "./result.js";

const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_PATH_CHARS = 4096;
const encoder = new TextEncoder();

export interface RequestIssue {
  path: string;
  code: string;
  message: string;
}

const noNul = (s: string): boolean => !s.includes("\0");

const absolutePath = z
  .string()
  .max(MAX_PATH_CHARS, `must be at most ${MAX_PATH_CHARS} characters`)
  .refine((p) => p.startsWith("/"), "must be an absolute path (start with /)")
  .refine(noNul, "must not contain NUL characters");

/** The schema for given limits; built per app so limits can come from config. */
export function jobRequestSchema(limits: ApiLimits) {
  const arg = z
    .string()
    .refine(
      (s) => s.length <= limits.maxArgBytes && encoder.encode(s).length <= limits.maxArgBytes,
      `must be at most ${limits.maxArgBytes} bytes`,
    )
    .refine(noNul, "must not contain NUL characters");
  return z.strictObject({
    command: z
      .array(arg, {
        error: (iss) =>
          iss.input === undefined ? "is required" : "must be an array of strings (argv)",
      })
      .min(1, "must have at least one element (the program)")
      .max(limits.maxCommandArgs, `must have at most ${limits.maxCommandArgs} elements`)
      .refine((argv) => argv[0] !== "", "the program (first element) must not be empty"),
    image: z.string().min(1, "must not be empty").default("base"),
    stdin: z.string().optional(),
    env: z
      .record(
        z.string().regex(ENV_KEY, "must match [A-Za-z_][A-Za-z0-9_]*"),
        z.string().refine(noNul, "must not contain NUL characters"),
      )
      .refine(
        (env) => Object.keys(env).length <= limits.maxEnvEntries,
        `must have at most ${limits.maxEnvEntries} entries`,
      )
      .default({}),
    files: z
      .record(absolutePath, z.string())
      .refine(
        (files) => Object.keys(files).length <= limits.maxFiles,
        `must have at most ${limits.maxFiles} entries`,
      )
      .default({}),
    cwd: absolutePath.optional(),
    timeoutMs: z.int().min(1).max(limits.maxTimeoutMs).default(limits.defaultTimeoutMs),
    memoryMiB: z
      .int()
      .min(limits.minMemoryMiB)
      .max(limits.maxMemoryMiB)
      .default(limits.defaultMemoryMiB),
    vcpus: z.int().min(1).max(limits.maxVcpus).default(limits.defaultVcpus),
    outputEncoding: outputEncodingSchema.default("utf8"),
    network: z.boolean().optional(),
    /** placement hint used by the front door and region worker; the host ignores it */
    region: z.string().optional(),
  });
}

export type JobRequestSchema = ReturnType<typeof jobRequestSchema>;

/** The body of `POST /v1/jobs` as a caller writes it: only `command` is required. */
export type JobRequest = z.input<JobRequestSchema>;

/** A validated job request, defaults applied: what a host runs. */
export type JobSpec = Omit<z.output<JobRequestSchema>, "network" | "region">;

/** "required" instead of "expected string, received undefined". */
const requiredError: z.core.$ZodErrorMap = (issue) =>
  issue.code === "invalid_type" && issue.input === undefined ? "is required" : undefined;

function flattenIssues(issues: readonly z.core.$ZodIssue[]): RequestIssue[] {
  return flattenZodIssues(issues, [], { unknownKeyMessage: "is not a known field" }).map(
    (issue) => ({ ...issue, path: formatPath(issue.path) }),
  );
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return "(body)";
  return path
    .map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join("");
}

/** Parses JSON text; INVALID_JSON when it is empty or not JSON. */
export function parseJsonBody(raw: Uint8Array): unknown {
  const text = new TextDecoder().decode(raw);
  if (text.trim() === "") {
    throw new EdgevmError("INVALID_JSON", "request body is empty; expected a JSON object");
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new EdgevmError("INVALID_JSON", `request body is not valid JSON: ${reason}`);
  }
}

/**
 * Validates a parsed body against the schema, the host's images and its policy.
 * Throws INVALID_REQUEST (with `details.issues`), UNKNOWN_IMAGE or NETWORK_NOT_ALLOWED.
 */
export function toJobSpec(
  body: unknown,
  schema: JobRequestSchema,
  imageNames: readonly string[],
): JobSpec {
  const parsed = schema.safeParse(body, { error: requiredError });
  if (!parsed.success) {
    const issues = flattenIssues(parsed.error.issues);
    const summary = issues.map((i) => `${i.path}: ${i.message}`).join("; ");
    throw new EdgevmError("INVALID_REQUEST", `invalid job request: ${summary}`, {
      details: { issues },
    });
  }
  const req = parsed.data;
  if (req.network === true) {
    throw new EdgevmError(
      "NETWORK_NOT_ALLOWED",
      "network: guest networking is not offered by this host; omit the field or set it to false",
    );
  }
  if (!imageNames.includes(req.image)) {
    throw new EdgevmError(
      "UNKNOWN_IMAGE",
      `image: unknown image ${JSON.stringify(req.image)}; available: ${imageNames.join(", ") || "(none)"}`,
      { details: { image: req.image, available: [...imageNames] } },
    );
  }
  return {
    command: req.command,
    image: req.image,
    stdin: req.stdin,
    env: req.env,
    files: req.files,
    cwd: req.cwd,
    timeoutMs: req.timeoutMs,
    memoryMiB: req.memoryMiB,
    vcpus: req.vcpus,
    outputEncoding: req.outputEncoding,
  };
}
