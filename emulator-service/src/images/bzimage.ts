/**
 * Pure helpers to locate the compressed vmlinux inside an x86 bzImage, like the kernel's
 * `scripts/extract-vmlinux`: the boot header says where the payload is (protocol ≥ 2.08), and a
 * scan for compression magics finds candidates for images without (or with a lying) header.
 */

export type CompressionFormat = "xz" | "gzip" | "zstd";

export interface PayloadCandidate {
  offset: number;
  format: CompressionFormat;
  /** Uncompressed size when the boot header declares the payload (its last 4 bytes). */
  expectedSize?: number;
}

export const COMPRESSION_MAGICS: ReadonlyArray<{ format: CompressionFormat; magic: Buffer }> = [
  { format: "xz", magic: Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]) },
  { format: "gzip", magic: Buffer.from([0x1f, 0x8b, 0x08, 0x00]) },
  { format: "zstd", magic: Buffer.from([0x28, 0xb5, 0x2f, 0xfd]) },
];

export interface BzImagePayload {
  offset: number;
  length: number;
  /** The kernel build appends the uncompressed size (u32 LE) to the compressed payload. */
  uncompressedSize: number;
}

/** The payload declared by the boot protocol header, or undefined when there is none. */
export function parseBzImagePayload(image: Buffer): BzImagePayload | undefined {
  if (image.length < 0x250) return undefined;
  if (image.toString("latin1", 0x202, 0x206) !== "HdrS") return undefined;
  const version = image.readUInt16LE(0x206);
  if (version < 0x208) return undefined;
  const setupSects = image[0x1f1] || 4;
  const base = (setupSects + 1) * 512;
  const offset = base + image.readUInt32LE(0x248);
  const length = image.readUInt32LE(0x24c);
  if (length < 8 || offset + length > image.length) return undefined;
  const uncompressedSize = image.readUInt32LE(offset + length - 4);
  return { offset, length, uncompressedSize };
}

export function detectFormat(image: Buffer, offset: number): CompressionFormat | undefined {
  for (const { format, magic } of COMPRESSION_MAGICS) {
    if (image.subarray(offset, offset + magic.length).equals(magic)) return format;
  }
  return undefined;
}

/**
 * Offsets to try, best first: the header-declared payload, then every magic found in the file in
 * file order (xz, gzip, zstd interleaved by position).
 */
export function findPayloadCandidates(image: Buffer): PayloadCandidate[] {
  const out: PayloadCandidate[] = [];
  const declared = parseBzImagePayload(image);
  if (declared) {
    const format = detectFormat(image, declared.offset);
    if (format) {
      out.push({ offset: declared.offset, format, expectedSize: declared.uncompressedSize });
    }
  }
  const scanned: PayloadCandidate[] = [];
  for (const { format, magic } of COMPRESSION_MAGICS) {
    let at = image.indexOf(magic, 0);
    while (at >= 0) {
      if (!out.some((c) => c.offset === at)) scanned.push({ offset: at, format });
      at = image.indexOf(magic, at + 1);
    }
  }
  scanned.sort((a, b) => a.offset - b.offset);
  return [...out, ...scanned];
}

/**
 * Orders kernel versions like `6.1.0-56-amd64` < `6.1.0-100-amd64` < `6.10.2-1-amd64`: numeric
 * runs compare as numbers, everything else as text.
 */
export function compareKernelVersions(a: string, b: string): number {
  const pa = a.match(/\d+|\D+/g) ?? [];
  const pb = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const nx = /^\d/.test(x);
    const ny = /^\d/.test(y);
    if (nx && ny) {
      const d = Number(x) - Number(y);
      if (d !== 0) return d < 0 ? -1 : 1;
    } else if (x !== y) {
      return x < y ? -1 : 1;
    }
  }
  return 0;
}
