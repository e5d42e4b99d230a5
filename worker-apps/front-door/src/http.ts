/** Request ids, header hygiene and the one JSON error shape of the front door. */

import { EdgevmError, ERROR_STATUS, type ErrorBody, REQUEST_ID_HEADER } from "@edgevm/contract";

export { pickRequestId, REQUEST_ID_HEADER } from "@edgevm/contract";

export const REGION_HEADER = "x-edgevm-region";
export const CLIENT_LOCATION_HEADER = "x-edgevm-client-location";

/** Hop-by-hop headers and those fetch sets itself; never forwarded either way. */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "host",
  "content-length",
]);

/** The headers sent to a region: the client's (minus hop-by-hop), with the request id set. */
export function upstreamHeaders(client: Headers, requestId: string): Headers {
  const out = new Headers();
  client.forEach((value, name) => {
    if (!HOP_BY_HOP.has(name.toLowerCase())) out.append(name, value);
  });
  out.set(REQUEST_ID_HEADER, requestId);
  return out;
}

/** A region's response streamed back (the body is never read), tagged with region and id. */
export function relayResponse(res: Response, region: string, requestId: string): Response {
  const headers = new Headers();
  res.headers.forEach((value, name) => {
    if (!HOP_BY_HOP.has(name.toLowerCase())) headers.append(name, value);
  });
  headers.set(REGION_HEADER, region);
  headers.set(REQUEST_ID_HEADER, requestId);
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
}

/** `{"error":{code,message,details?}}` with the status from ERROR_STATUS and `Retry-After`. */
export function errorResponse(err: unknown, requestId?: string): Response {
  const error =
    err instanceof EdgevmError
      ? err
      : new EdgevmError("INTERNAL", "internal error", { cause: err });
  if (!(err instanceof EdgevmError)) {
    const detail = err instanceof Error ? { message: err.message, stack: err.stack } : String(err);
    console.error(
      JSON.stringify({ level: "error", msg: "unhandled error", requestId, err: detail }),
    );
  } else if (ERROR_STATUS[error.code] >= 500) {
    const line = {
      level: "warn",
      msg: "request failed",
      requestId,
      code: error.code,
      message: error.message,
    };
    console.warn(JSON.stringify(line));
  }
  const body: ErrorBody = error.toBody();
  const headers = new Headers({ "content-type": "application/json; charset=utf-8" });
  if (error.retryAfterS !== undefined)
    headers.set("retry-after", String(Math.max(0, Math.ceil(error.retryAfterS))));
  if (requestId) headers.set(REQUEST_ID_HEADER, requestId);
  return new Response(JSON.stringify(body), { status: ERROR_STATUS[error.code], headers });
}
