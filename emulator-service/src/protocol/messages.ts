/**
 * Builders and parsers for every payload of the guest agent protocol (docs/PROTOCOL.md). Both
 * directions are here so that fakes of either side can be written with the same code. Parsers
 * throw a ProtocolError("malformed") for a payload that does not follow the spec; builders throw a
 * RangeError for arguments the wire cannot carry.
 */
import { MAX_U32, ProtocolError } from "./frame.js";

/** Bounds of the INIT seed, in bytes. */
export const MIN_SEED_BYTES = 32;
export const MAX_SEED_BYTES = 256;

/** Bytes of a FILE payload before the path: `u32 flags`, `u32 mode`, `u32 path_len`. */
export const FILE_HEADER_SIZE = 12;

/** FILE flag bit 0: append instead of create/truncate. */
export const FILE_FLAG_APPEND = 1;

export interface InitMessage {
  nowNs: bigint;
  seed: Uint8Array;
}

export interface FileMessage {
  path: string;
  /** permission bits, e.g. 0o644 */
  mode: number;
  append: boolean;
  data: Uint8Array;
}

export interface ExecMessage {
  argv: string[];
  /** `KEY=VALUE` entries, passed to the child exactly */
  env: string[];
  /** empty = /root */
  cwd: string;
}

/** How an exec session ended: `exitCode` when it exited, `signal` when a signal killed it. */
export interface ExecExit {
  exitCode: number | null;
  signal: number | null;
}

function utf8(text: string, what: string): Buffer {
  if (text.includes("\0")) throw new RangeError(`${what} must not contain NUL bytes`);
  return Buffer.from(text, "utf8");
}

function u32(value: number, what: string): Buffer {
  if (!Number.isInteger(value) || value < 0 || value > MAX_U32) {
    throw new RangeError(`${what} ${value} is not a u32`);
  }
  const out = Buffer.allocUnsafe(4);
  out.writeUInt32LE(value, 0);
  return out;
}

function i32(value: number, what: string): Buffer {
  if (!Number.isInteger(value) || value < -0x8000_0000 || value > 0x7fff_ffff) {
    throw new RangeError(`${what} ${value} is not an i32`);
  }
  const out = Buffer.allocUnsafe(4);
  out.writeInt32LE(value, 0);
  return out;
}

function lengthPrefixed(bytes: Buffer): Buffer[] {
  return [u32(bytes.length, "string length"), bytes];
}

export function encodeStringList(items: readonly string[], what: string): Buffer {
  const parts = [u32(items.length, `${what} count`)];
  for (const item of items) parts.push(...lengthPrefixed(utf8(item, what)));
  return Buffer.concat(parts);
}

/** Sequential, bounds-checked reads over one payload. */
class PayloadReader {
  private offset = 0;

  constructor(
    private readonly payload: Buffer,
    private readonly what: string,
  ) {}

  private fail(): never {
    throw new ProtocolError("malformed", `malformed ${this.what} payload`);
  }

  u32(): number {
    if (this.payload.length - this.offset < 4) this.fail();
    const value = this.payload.readUInt32LE(this.offset);
    this.offset += 4;
    return value;
  }

  i32(): number {
    if (this.payload.length - this.offset < 4) this.fail();
    const value = this.payload.readInt32LE(this.offset);
    this.offset += 4;
    return value;
  }

  u64(): bigint {
    if (this.payload.length - this.offset < 8) this.fail();
    const value = this.payload.readBigUInt64LE(this.offset);
    this.offset += 8;
    return value;
  }

  bytes(n: number): Buffer {
    if (this.payload.length - this.offset < n) this.fail();
    const out = this.payload.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  string(): string {
    return this.bytes(this.u32()).toString("utf8");
  }

  stringList(): string[] {
    const count = this.u32();
    if (count > (this.payload.length - this.offset) / 4) this.fail();
    const items: string[] = [];
    for (let i = 0; i < count; i++) items.push(this.string());
    return items;
  }

  rest(): Buffer {
    return this.bytes(this.payload.length - this.offset);
  }

  end(): void {
    if (this.offset !== this.payload.length) this.fail();
  }
}

// ---------------------------------------------------------------------------------------------
// Host → guest

export function encodeInit(message: InitMessage): Buffer {
  const { nowNs, seed } = message;
  if (nowNs < 0n || nowNs >= 1n << 64n) throw new RangeError("INIT time is not a u64");
  if (seed.length < MIN_SEED_BYTES || seed.length > MAX_SEED_BYTES) {
    throw new RangeError(`INIT seed must be ${MIN_SEED_BYTES}..${MAX_SEED_BYTES} bytes`);
  }
  const out = Buffer.allocUnsafe(8 + seed.length);
  out.writeBigUInt64LE(nowNs, 0);
  out.set(seed, 8);
  return out;
}

export function decodeInit(payload: Buffer): InitMessage {
  const reader = new PayloadReader(payload, "INIT");
  return { nowNs: reader.u64(), seed: reader.rest() };
}

export function encodeFile(message: FileMessage): Buffer {
  if (!message.path.startsWith("/"))
    throw new RangeError(`FILE path ${message.path} is not absolute`);
  if (!Number.isInteger(message.mode) || message.mode < 0 || message.mode > 0o7777) {
    throw new RangeError(`FILE mode ${message.mode} is not a permission mode`);
  }
  const path = utf8(message.path, "FILE path");
  return Buffer.concat([
    u32(message.append ? FILE_FLAG_APPEND : 0, "flags"),
    u32(message.mode, "mode"),
    ...lengthPrefixed(path),
    message.data,
  ]);
}

export function decodeFile(payload: Buffer): FileMessage {
  const reader = new PayloadReader(payload, "FILE");
  const flags = reader.u32();
  const mode = reader.u32();
  const path = reader.string();
  return { append: (flags & FILE_FLAG_APPEND) !== 0, mode, path, data: reader.rest() };
}

export function encodeExec(message: ExecMessage): Buffer {
  if (message.argv.length === 0) throw new RangeError("EXEC argv must not be empty");
  for (const entry of message.env) {
    if (entry.indexOf("=") <= 0) throw new RangeError(`EXEC env entry ${entry} is not KEY=VALUE`);
  }
  return Buffer.concat([
    encodeStringList(message.argv, "argv"),
    encodeStringList(message.env, "env"),
    ...lengthPrefixed(utf8(message.cwd, "cwd")),
  ]);
}

/** `KEY=VALUE` entries from a list (copied) or a record. */
export function envToList(env: readonly string[] | Readonly<Record<string, string>>): string[] {
  if (Array.isArray(env)) return [...env];
  return Object.entries(env).map(([key, value]) => `${key}=${value}`);
}

export function decodeExec(payload: Buffer): ExecMessage {
  const reader = new PayloadReader(payload, "EXEC");
  const message = { argv: reader.stringList(), env: reader.stringList(), cwd: reader.string() };
  reader.end();
  return message;
}

export function encodeSignal(signo: number): Buffer {
  if (!Number.isInteger(signo) || signo < 1 || signo > 64) {
    throw new RangeError(`signal ${signo} is not a signal number`);
  }
  return u32(signo, "signal");
}

export function decodeSignal(payload: Buffer): number {
  const reader = new PayloadReader(payload, "SIGNAL");
  const signo = reader.u32();
  reader.end();
  return signo;
}

// ---------------------------------------------------------------------------------------------
// Guest → host

export function encodeText(text: string): Buffer {
  return Buffer.from(text, "utf8");
}

/** READY (agent version) and ERROR (message) payloads are plain UTF-8. */
export function decodeText(payload: Buffer): string {
  return payload.toString("utf8");
}

export function encodeStarted(pid: number): Buffer {
  return u32(pid, "pid");
}

export function decodeStarted(payload: Buffer): number {
  const reader = new PayloadReader(payload, "STARTED");
  const pid = reader.u32();
  reader.end();
  return pid;
}

export function encodeExit(exit: ExecExit): Buffer {
  if (exit.signal !== null)
    return Buffer.concat([i32(-1, "exit code"), i32(exit.signal, "signal")]);
  return Buffer.concat([i32(exit.exitCode ?? -1, "exit code"), i32(0, "signal")]);
}

export function decodeExit(payload: Buffer): ExecExit {
  const reader = new PayloadReader(payload, "EXIT");
  const code = reader.i32();
  const signal = reader.i32();
  reader.end();
  if (signal !== 0) return { exitCode: null, signal };
  return { exitCode: code, signal: null };
}
