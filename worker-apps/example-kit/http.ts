/** Error bodies (`{"error":{"code","message"}}`, as the edgevm API answers) and request ids. */

export { pickRequestId, REQUEST_ID_HEADER } from "@edgevm/contract";

export function errorResponse(
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): Response {
  return Response.json({ error: { code, message } }, { status, headers });
}

/** HTTP status per `VmService` error code (the codes of the edgevm API). */
const RPC_STATUS: Record<string, number> = {
  INVALID_JSON: 400,
  INVALID_REQUEST: 400,
  UNKNOWN_IMAGE: 400,
  PAYLOAD_TOO_LARGE: 413,
  QUEUE_FULL: 429,
  NO_CAPACITY: 503,
  SHUTTING_DOWN: 503,
  EMULATOR_UNAVAILABLE: 503,
  VM_CRASHED: 502,
  JOB_TIMEOUT: 504,
};

/**
 * Splits a `VmService` rejection (`Error("CODE: message")`) into code and message. Across some
 * RPC transports (`wrangler dev`'s dev registry) the error's name arrives in front of the message
 * (`"EdgevmError: NO_CAPACITY: …"`), so an `…Error: ` prefix is skipped.
 */
export function parseRpcError(err: unknown): { code: string; message: string } {
  const text = err instanceof Error ? err.message : String(err);
  const match = /^(?:[A-Za-z]*Error: )?([A-Z][A-Z0-9_]*): ([\s\S]*)$/.exec(text);
  if (match?.[1] === undefined || match[2] === undefined) {
    return { code: "INTERNAL", message: `the compute service failed: ${text}` };
  }
  return { code: match[1], message: match[2] };
}

/**
 * The answer for a failed `VmService` call: the code's status (502 for codes this app does not
 * know, 500 for an uncoded failure) and `Retry-After` when the service is out of capacity.
 */
export function rpcErrorResponse(err: unknown): Response {
  const { code, message } = parseRpcError(err);
  const status = RPC_STATUS[code] ?? (code === "INTERNAL" ? 500 : 502);
  const headers: Record<string, string> =
    status === 429 || status === 503 ? { "retry-after": "1" } : {};
  return errorResponse(status, code, message, headers);
}
