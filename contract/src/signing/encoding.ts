/** Byte helpers built on Web APIs only (this folder also runs inside workerd). */

const encoder = new TextEncoder();

export function toBytes(data: string | Uint8Array): Uint8Array<ArrayBuffer> {
  if (typeof data === "string") return new Uint8Array(encoder.encode(data));
  // Copy so the result is backed by a plain ArrayBuffer (what Web Crypto accepts).
  const copy = new Uint8Array(data.byteLength);
  copy.set(data);
  return copy;
}

export function toHex(bytes: ArrayBuffer | Uint8Array): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let out = "";
  for (const byte of view) out += byte.toString(16).padStart(2, "0");
  return out;
}

/** Decodes lowercase or uppercase hex; undefined when the text is not hex of even length. */
export function fromHex(text: string): Uint8Array | undefined {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) return undefined;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(text.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/**
 * Compares two byte arrays in time that depends only on their lengths, never on where they first
 * differ (lengths are not secret here: a signature is always 32 bytes).
 */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}
