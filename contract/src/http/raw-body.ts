import { EdgevmError } from "../errors/index.js";

function tooLarge(maxBytes: number): EdgevmError {
  return new EdgevmError("PAYLOAD_TOO_LARGE", `request body exceeds ${maxBytes} bytes`, {
    details: { maxBytes },
  });
}

/**
 * Reads a request body into memory, never holding more than `maxBytes`: a declared Content-Length
 * over the cap fails at once, and the stream is counted as it arrives (Content-Length may be absent
 * or wrong), so an oversized body is cut off as soon as it passes the cap.
 */
export async function readBodyWithLimit(request: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = request.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > maxBytes) {
    throw tooLarge(maxBytes);
  }
  const stream = request.body;
  if (stream === null) return new Uint8Array(0);
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  if (chunks.length === 1 && chunks[0]) return chunks[0];
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}
