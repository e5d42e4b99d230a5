import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  encodeFrame,
  type Frame,
  FrameDecoder,
  FrameType,
  frameTypeName,
  GUEST_TO_HOST_TYPES,
  HOST_TO_GUEST_TYPES,
  MAX_FRAME_PAYLOAD,
  ProtocolError,
} from "../../src/protocol/index.js";

const simplify = (frames: Frame[]) =>
  frames.map((f) => ({ type: f.type, id: f.id, payload: f.payload.toString("hex") }));

/** A deterministic PRNG so a failing split can be reproduced. */
function lcg(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe("encodeFrame", () => {
  it("lays out type, little-endian id and length, then the payload", () => {
    const frame = encodeFrame(FrameType.STDOUT, 0x01020304, Buffer.from("hi"));
    expect([...frame]).toEqual([0x84, 4, 3, 2, 1, 2, 0, 0, 0, 0x68, 0x69]);
  });

  it("encodes an empty payload as a bare header", () => {
    expect([...encodeFrame(FrameType.STDIN, 0xffffffff, new Uint8Array(0))]).toEqual([
      0x04, 255, 255, 255, 255, 0, 0, 0, 0,
    ]);
  });

  it("refuses payloads over 1 MiB and ids that are not u32", () => {
    expect(() => encodeFrame(FrameType.PING, 0, Buffer.alloc(MAX_FRAME_PAYLOAD + 1))).toThrow(
      RangeError,
    );
    expect(encodeFrame(FrameType.PING, 0, Buffer.alloc(MAX_FRAME_PAYLOAD)).length).toBe(
      MAX_FRAME_PAYLOAD + 9,
    );
    expect(() => encodeFrame(FrameType.PING, -1, new Uint8Array(0))).toThrow(RangeError);
    expect(() => encodeFrame(FrameType.PING, 2 ** 32, new Uint8Array(0))).toThrow(RangeError);
    expect(() => encodeFrame(FrameType.PING, 1.5, new Uint8Array(0))).toThrow(RangeError);
  });
});

describe("frame type names", () => {
  it("names known types and hex-formats others", () => {
    expect(frameTypeName(0x8f)).toBe("ERROR");
    expect(frameTypeName(0x03)).toBe("EXEC");
    expect(frameTypeName(0x42)).toBe("0x42");
    expect(HOST_TO_GUEST_TYPES.size + GUEST_TO_HOST_TYPES.size).toBe(Object.keys(FrameType).length);
  });
});

describe("FrameDecoder", () => {
  const frames = [
    encodeFrame(FrameType.READY, 0, Buffer.from("edgevm-agent/1")),
    encodeFrame(FrameType.STARTED, 1, Buffer.from([0x39, 0x30, 0, 0])),
    encodeFrame(FrameType.STDOUT, 1, randomBytes(70_000)),
    encodeFrame(FrameType.INIT_OK, 0, new Uint8Array(0)),
    encodeFrame(FrameType.STDERR, 2, Buffer.from([0])),
    encodeFrame(FrameType.EXIT, 1, Buffer.alloc(8)),
  ];
  const stream = Buffer.concat(frames);
  const expected = simplify(new FrameDecoder().push(stream));

  it("decodes several frames from one chunk", () => {
    expect(expected.map((f) => [f.type, f.id])).toEqual([
      [FrameType.READY, 0],
      [FrameType.STARTED, 1],
      [FrameType.STDOUT, 1],
      [FrameType.INIT_OK, 0],
      [FrameType.STDERR, 2],
      [FrameType.EXIT, 1],
    ]);
    expect(Buffer.from(expected[0]?.payload ?? "", "hex").toString()).toBe("edgevm-agent/1");
    expect(expected[2]?.payload).toBe(frames[2]?.subarray(9).toString("hex"));
    expect(expected[3]?.payload).toBe("");
  });

  it("decodes a stream fed one byte at a time", () => {
    const decoder = new FrameDecoder();
    const out: Frame[] = [];
    for (const byte of stream.subarray(0, 200)) out.push(...decoder.push(Uint8Array.of(byte)));
    out.push(...decoder.push(stream.subarray(200)));
    expect(simplify(out)).toEqual(expected);
    expect(decoder.pendingBytes).toBe(0);
  });

  it("decodes a stream cut at random boundaries", () => {
    for (let seed = 1; seed <= 50; seed++) {
      const random = lcg(seed);
      const decoder = new FrameDecoder();
      const out: Frame[] = [];
      let offset = 0;
      while (offset < stream.length) {
        const size = Math.floor(random() * (random() < 0.5 ? 20 : 40_000));
        out.push(...decoder.push(stream.subarray(offset, offset + size)));
        offset += size;
      }
      expect(simplify(out)).toEqual(expected);
    }
  });

  it("keeps a partial frame until the rest arrives", () => {
    const decoder = new FrameDecoder();
    const frame = encodeFrame(FrameType.PONG, 0, Buffer.from("abc"));
    expect(decoder.push(frame.subarray(0, 10))).toEqual([]);
    expect(decoder.pendingBytes).toBe(1);
    expect(simplify(decoder.push(frame.subarray(10)))).toEqual([
      { type: FrameType.PONG, id: 0, payload: Buffer.from("abc").toString("hex") },
    ]);
  });

  it("rejects an oversize length as soon as the header is complete", () => {
    const header = Buffer.from([0x84, 1, 0, 0, 0, 1, 0, 0x10, 0]);
    const decoder = new FrameDecoder();
    expect(decoder.push(header.subarray(0, 8))).toEqual([]);
    const error = captureError(() => decoder.push(header.subarray(8)));
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).reason).toBe("oversize");
    // poisoned: the stream cannot be trusted any more
    expect(() => decoder.push(new Uint8Array(0))).toThrow(error as Error);
  });

  it("accepts a length of exactly 1 MiB", () => {
    const decoder = new FrameDecoder();
    const frames = decoder.push(encodeFrame(FrameType.PONG, 0, Buffer.alloc(MAX_FRAME_PAYLOAD, 7)));
    expect(frames[0]?.payload.length).toBe(MAX_FRAME_PAYLOAD);
  });

  it("rejects unknown types and types outside the accepted set", () => {
    const unknown = captureError(() => new FrameDecoder().push(Buffer.alloc(9, 0x42)));
    expect((unknown as ProtocolError).reason).toBe("unknown-type");
    expect((unknown as Error).message).toContain("0x42");
    const wrongDirection = encodeFrame(FrameType.EXEC, 1, new Uint8Array(0));
    expect(() => new FrameDecoder(GUEST_TO_HOST_TYPES).push(wrongDirection)).toThrow(/EXEC/);
    expect(new FrameDecoder(HOST_TO_GUEST_TYPES).push(wrongDirection)).toHaveLength(1);
  });
});

function captureError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error("expected a throw");
}
