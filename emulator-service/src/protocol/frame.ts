/**
 * The frame layer of the guest agent protocol (docs/PROTOCOL.md): a 9-byte header
 * (`u8 type`, `u32 id`, `u32 length`, little-endian) followed by `length` payload bytes.
 */

/** Every frame type, by name. 0x01..0x06 flow host → guest, 0x80.. guest → host. */
export const FrameType = {
  INIT: 0x01,
  FILE: 0x02,
  EXEC: 0x03,
  STDIN: 0x04,
  SIGNAL: 0x05,
  PING: 0x06,
  READY: 0x80,
  INIT_OK: 0x81,
  FILE_OK: 0x82,
  STARTED: 0x83,
  STDOUT: 0x84,
  STDERR: 0x85,
  PONG: 0x86,
  EXIT: 0x87,
  ERROR: 0x8f,
} as const;

export type FrameTypeName = keyof typeof FrameType;
export type FrameType = (typeof FrameType)[FrameTypeName];

/** Bytes of the header that precedes every payload. */
export const FRAME_HEADER_SIZE = 9;

/** Largest payload of one frame, in bytes (1 MiB). A larger length means a corrupt stream. */
export const MAX_FRAME_PAYLOAD = 1_048_576;

/** Largest STDOUT/STDERR payload the agent sends, in bytes (64 KiB). */
export const MAX_OUTPUT_CHUNK = 65_536;

/** Largest u32 (ids and lengths are u32 on the wire). */
export const MAX_U32 = 0xffff_ffff;

export const HOST_TO_GUEST_TYPES: ReadonlySet<FrameType> = new Set([
  FrameType.INIT,
  FrameType.FILE,
  FrameType.EXEC,
  FrameType.STDIN,
  FrameType.SIGNAL,
  FrameType.PING,
]);

export const GUEST_TO_HOST_TYPES: ReadonlySet<FrameType> = new Set([
  FrameType.READY,
  FrameType.INIT_OK,
  FrameType.FILE_OK,
  FrameType.STARTED,
  FrameType.STDOUT,
  FrameType.STDERR,
  FrameType.PONG,
  FrameType.EXIT,
  FrameType.ERROR,
]);

const ALL_TYPES: ReadonlySet<number> = new Set<number>(Object.values(FrameType));
const NAMES = new Map<number, FrameTypeName>(
  (Object.entries(FrameType) as [FrameTypeName, FrameType][]).map(([name, type]) => [type, name]),
);

export function isFrameType(value: number): value is FrameType {
  return ALL_TYPES.has(value);
}

/** `"STDOUT"` for 0x84; `"0x42"` for a byte that is not a frame type. */
export function frameTypeName(type: number): string {
  return NAMES.get(type) ?? `0x${type.toString(16).padStart(2, "0")}`;
}

export interface Frame {
  type: FrameType;
  id: number;
  /** May share memory with the chunk it was decoded from. */
  payload: Buffer;
}

export type ProtocolErrorReason = "oversize" | "unknown-type" | "malformed";

/** The byte stream or a payload does not follow the protocol: the peer cannot be trusted any more. */
export class ProtocolError extends Error {
  readonly reason: ProtocolErrorReason;

  constructor(reason: ProtocolErrorReason, message: string) {
    super(message);
    this.name = "ProtocolError";
    this.reason = reason;
  }
}

/** One frame as bytes. Throws a RangeError for an id or payload that does not fit. */
export function encodeFrame(type: FrameType, id: number, payload: Uint8Array): Buffer {
  if (!Number.isInteger(id) || id < 0 || id > MAX_U32) {
    throw new RangeError(`frame id ${id} is not a u32`);
  }
  if (payload.length > MAX_FRAME_PAYLOAD) {
    throw new RangeError(`frame payload of ${payload.length} bytes exceeds ${MAX_FRAME_PAYLOAD}`);
  }
  const frame = Buffer.allocUnsafe(FRAME_HEADER_SIZE + payload.length);
  frame.writeUInt8(type, 0);
  frame.writeUInt32LE(id, 1);
  frame.writeUInt32LE(payload.length, 5);
  frame.set(payload, FRAME_HEADER_SIZE);
  return frame;
}

interface Header {
  type: FrameType;
  id: number;
  length: number;
}

/**
 * Turns a byte stream cut at arbitrary points back into frames. After a ProtocolError every
 * further `push` throws the same error: the stream cannot be resynchronised.
 */
export class FrameDecoder {
  private readonly accepted: ReadonlySet<number>;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private header: Header | null = null;
  private failure: ProtocolError | null = null;

  /** @param accepted the frame types this side may receive (default: every known type) */
  constructor(accepted: ReadonlySet<FrameType> = new Set(Object.values(FrameType))) {
    this.accepted = accepted;
  }

  /** Bytes received that are not part of a returned frame yet. */
  get pendingBytes(): number {
    return this.buffered;
  }

  /** Adds bytes and returns every frame they complete, in order. */
  push(chunk: Uint8Array): Frame[] {
    if (this.failure) throw this.failure;
    if (chunk.length > 0) {
      this.chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
      this.buffered += chunk.length;
    }
    const frames: Frame[] = [];
    for (;;) {
      if (this.header === null) {
        if (this.buffered < FRAME_HEADER_SIZE) break;
        this.header = this.parseHeader(this.take(FRAME_HEADER_SIZE));
      }
      if (this.buffered < this.header.length) break;
      const { type, id, length } = this.header;
      frames.push({ type, id, payload: this.take(length) });
      this.header = null;
    }
    return frames;
  }

  private parseHeader(bytes: Buffer): Header {
    const type = bytes.readUInt8(0);
    const id = bytes.readUInt32LE(1);
    const length = bytes.readUInt32LE(5);
    if (!isFrameType(type) || !this.accepted.has(type)) {
      this.failure = new ProtocolError(
        "unknown-type",
        `unexpected frame type ${frameTypeName(type)}`,
      );
      throw this.failure;
    }
    if (length > MAX_FRAME_PAYLOAD) {
      this.failure = new ProtocolError(
        "oversize",
        `frame ${frameTypeName(type)} declares ${length} bytes (max ${MAX_FRAME_PAYLOAD})`,
      );
      throw this.failure;
    }
    return { type, id, length };
  }

  /** Removes and returns the first `n` buffered bytes (copies only when they span chunks). */
  private take(n: number): Buffer {
    this.buffered -= n;
    const first = this.chunks[0];
    if (n === 0) return Buffer.alloc(0);
    if (first !== undefined && first.length >= n) {
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.chunks[0];
      if (chunk === undefined) throw new Error("FrameDecoder: buffered byte count out of sync");
      const used = Math.min(chunk.length, n - filled);
      chunk.copy(out, filled, 0, used);
      filled += used;
      if (used === chunk.length) this.chunks.shift();
      else this.chunks[0] = chunk.subarray(used);
    }
    return out;
  }
}
