import { describe, expect, it } from "vitest";
import {
  decodeExec,
  decodeExit,
  decodeFile,
  decodeInit,
  decodeSignal,
  decodeStarted,
  decodeText,
  encodeExec,
  encodeExit,
  encodeFile,
  encodeInit,
  encodeSignal,
  encodeStarted,
  encodeStringList,
  encodeText,
  envToList,
  ProtocolError,
} from "../../src/protocol/index.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("INIT", () => {
  it("is a u64 LE nanosecond time followed by the seed", () => {
    const seed = Buffer.alloc(32, 0xab);
    const payload = encodeInit({ nowNs: 0x0102030405060708n, seed });
    expect(hex(payload.subarray(0, 8))).toBe("0807060504030201");
    expect(payload.subarray(8).equals(seed)).toBe(true);
    expect(decodeInit(payload)).toEqual({ nowNs: 0x0102030405060708n, seed });
  });

  it("enforces 32..256 seed bytes and a u64 time", () => {
    expect(() => encodeInit({ nowNs: 1n, seed: Buffer.alloc(31) })).toThrow(RangeError);
    expect(() => encodeInit({ nowNs: 1n, seed: Buffer.alloc(257) })).toThrow(RangeError);
    expect(encodeInit({ nowNs: 1n, seed: Buffer.alloc(256) }).length).toBe(264);
    expect(() => encodeInit({ nowNs: -1n, seed: Buffer.alloc(32) })).toThrow(RangeError);
    expect(() => decodeInit(Buffer.alloc(7))).toThrow(ProtocolError);
  });
});

describe("FILE", () => {
  it("is flags, mode, length-prefixed path, data", () => {
    const payload = encodeFile({
      path: "/a/b",
      mode: 0o644,
      append: true,
      data: Buffer.from("xy"),
    });
    expect(hex(payload)).toBe(`01000000a4010000040000002f612f62${hex(Buffer.from("xy"))}`);
    expect(decodeFile(payload)).toEqual({
      path: "/a/b",
      mode: 0o644,
      append: true,
      data: Buffer.from("xy"),
    });
    const truncate = encodeFile({
      path: "/x",
      mode: 0o755,
      append: false,
      data: new Uint8Array(0),
    });
    expect(decodeFile(truncate)).toMatchObject({ append: false, mode: 0o755, path: "/x" });
  });

  it("refuses relative paths, NUL bytes and bad modes", () => {
    const data = new Uint8Array(0);
    expect(() => encodeFile({ path: "rel", mode: 0o644, append: false, data })).toThrow(/absolute/);
    expect(() => encodeFile({ path: "/a\0b", mode: 0o644, append: false, data })).toThrow(/NUL/);
    expect(() => encodeFile({ path: "/a", mode: 0o10000, append: false, data })).toThrow(
      RangeError,
    );
    expect(() => decodeFile(Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0]))).toThrow(
      ProtocolError,
    );
  });
});

describe("EXEC", () => {
  it("is argv list, env list, length-prefixed cwd", () => {
    const payload = encodeExec({ argv: ["ls", "-l"], env: ["A=1"], cwd: "/t" });
    expect(hex(payload)).toBe(
      [
        "02000000",
        "02000000",
        hex(Buffer.from("ls")),
        "02000000",
        hex(Buffer.from("-l")),
        "01000000",
        "03000000",
        hex(Buffer.from("A=1")),
        "02000000",
        hex(Buffer.from("/t")),
      ].join(""),
    );
    expect(decodeExec(payload)).toEqual({ argv: ["ls", "-l"], env: ["A=1"], cwd: "/t" });
  });

  it("round-trips UTF-8 and empty strings", () => {
    const message = { argv: ["echo", "", "héllo ✓"], env: ["K=", "Z=a=b"], cwd: "" };
    expect(decodeExec(encodeExec(message))).toEqual(message);
  });

  it("refuses empty argv, bad env entries and NUL bytes", () => {
    expect(() => encodeExec({ argv: [], env: [], cwd: "" })).toThrow(/argv/);
    expect(() => encodeExec({ argv: ["x"], env: ["NOEQUALS"], cwd: "" })).toThrow(/KEY=VALUE/);
    expect(() => encodeExec({ argv: ["x"], env: ["=v"], cwd: "" })).toThrow(/KEY=VALUE/);
    expect(() => encodeExec({ argv: ["a\0"], env: [], cwd: "" })).toThrow(/NUL/);
  });

  it("rejects truncated or trailing bytes and absurd counts", () => {
    const payload = encodeExec({ argv: ["a"], env: [], cwd: "" });
    expect(() => decodeExec(payload.subarray(0, payload.length - 1))).toThrow(ProtocolError);
    expect(() => decodeExec(Buffer.concat([payload, Buffer.from([0])]))).toThrow(ProtocolError);
    expect(() => decodeExec(Buffer.from([255, 255, 255, 255]))).toThrow(ProtocolError);
  });

  it("turns records or lists into KEY=VALUE entries", () => {
    expect(envToList({ A: "1", B: "x=y" })).toEqual(["A=1", "B=x=y"]);
    const list = ["C=3"];
    const copy = envToList(list);
    expect(copy).toEqual(["C=3"]);
    expect(copy).not.toBe(list);
  });

  it("encodes a string list with a count", () => {
    expect(hex(encodeStringList([], "x"))).toBe("00000000");
  });
});

describe("small payloads", () => {
  it("SIGNAL is a u32", () => {
    expect(hex(encodeSignal(15))).toBe("0f000000");
    expect(decodeSignal(encodeSignal(9))).toBe(9);
    expect(() => encodeSignal(0)).toThrow(RangeError);
    expect(() => encodeSignal(65)).toThrow(RangeError);
  });

  it("STARTED is a u32 pid", () => {
    expect(decodeStarted(Buffer.from([0x39, 0x30, 0, 0]))).toBe(12345);
    expect(hex(encodeStarted(1))).toBe("01000000");
    expect(() => decodeStarted(Buffer.from([1, 0, 0]))).toThrow(ProtocolError);
  });

  it("EXIT maps (code, 0) to an exit code and (-1, signo) to a signal", () => {
    expect(decodeExit(Buffer.from([3, 0, 0, 0, 0, 0, 0, 0]))).toEqual({
      exitCode: 3,
      signal: null,
    });
    expect(decodeExit(Buffer.from([255, 255, 255, 255, 9, 0, 0, 0]))).toEqual({
      exitCode: null,
      signal: 9,
    });
    expect(hex(encodeExit({ exitCode: null, signal: 15 }))).toBe("ffffffff0f000000");
    expect(hex(encodeExit({ exitCode: 127, signal: null }))).toBe("7f00000000000000");
    expect(() => decodeExit(Buffer.alloc(7))).toThrow(ProtocolError);
  });

  it("READY and ERROR are UTF-8 text", () => {
    expect(decodeText(encodeText("edgevm-agent/1 ✓"))).toBe("edgevm-agent/1 ✓");
  });
});
