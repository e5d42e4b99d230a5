/**
 * Validates a job body in the Worker, before anything reaches the emulator host, with the host's
 * own schema (`jobRequestSchema`, `parseJsonBody`, `toJobSpec`). Two checks stay with the host:
 * whether the image exists (the host knows its images; UNKNOWN_IMAGE passes through) and its own,
 * possibly tighter, configured limits.
 */

import {
  DEFAULT_LIMITS,
  EdgevmError,
  type JobSpec,
  jobRequestSchema,
  parseJsonBody,
  readBodyWithLimit,
  toJobSpec,
} from "../shared/index.js";

const schema = jobRequestSchema(DEFAULT_LIMITS);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Reads a request body, failing with PAYLOAD_TOO_LARGE (413) past the body cap. */
export function readJobBody(request: Request): Promise<Uint8Array> {
  return readBodyWithLimit(request, DEFAULT_LIMITS.maxBodyBytes);
}

/** The body bytes as a validated JobSpec; throws INVALID_JSON / INVALID_REQUEST (400). */
export function validateJob(bytes: Uint8Array, region: string): JobSpec {
  const body = parseJsonBody(bytes);
  // Accept whatever image is named; existence is checked by the host (see above).
  const image = isRecord(body) && typeof body.image === "string" ? body.image : "base";
  const spec = toJobSpec(body, schema, [image]);
  if (isRecord(body) && typeof body.region === "string" && body.region !== region) {
    throw new EdgevmError(
      "INVALID_REQUEST",
      `region: this is region ${JSON.stringify(region)}, the job is pinned to ${JSON.stringify(body.region)}; send it through the front door`,
      {
        details: { issues: [{ path: "region", code: "wrong_region", message: "not this region" }] },
      },
    );
  }
  return spec;
}

/** Bytes from a job object (RPC callers); size-capped like an HTTP body. */
export function encodeJob(job: unknown): Uint8Array {
  const bytes = new TextEncoder().encode(JSON.stringify(job) ?? "");
  if (bytes.byteLength > DEFAULT_LIMITS.maxBodyBytes) {
    throw new EdgevmError(
      "PAYLOAD_TOO_LARGE",
      `request body exceeds ${DEFAULT_LIMITS.maxBodyBytes} bytes`,
    );
  }
  return bytes;
}
