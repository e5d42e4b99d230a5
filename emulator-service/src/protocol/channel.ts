/**
 * AgentChannel: the host end of the guest agent protocol over one byte stream (a net.Socket to
 * QEMU's chardev in production, a child's stdio in host tests). It never leaves a promise
 * pending once the stream is gone: every waiter rejects with one AgentChannelClosedError.
 */
import type { Duplex } from "node:stream";
import { AgentChannelClosedError, AgentRemoteError, AgentTimeoutError } from "./errors.js";
import { type ExecSession, ExecSessionImpl, type SessionTransport } from "./exec-session.js";
import {
  encodeFrame,
  type Frame,
  FrameDecoder,
  FrameType,
  GUEST_TO_HOST_TYPES,
  MAX_FRAME_PAYLOAD,
  ProtocolError,
} from "./frame.js";
import {
  decodeExit,
  decodeStarted,
  decodeText,
  encodeExec,
  encodeFile,
  encodeInit,
  encodeSignal,
  envToList,
  FILE_HEADER_SIZE,
} from "./messages.js";

export interface ExecOptions {
  argv: string[];
  /**
   * The complete environment, as `KEY=VALUE` entries or a record (the agent only adds PATH and
   * HOME when absent). Default: empty.
   */
  env?: readonly string[] | Readonly<Record<string, string>>;
  /** Working directory in the guest; default /root. */
  cwd?: string;
}

export interface WriteFileOptions {
  /** Permission bits, default 0o644 (applied exactly when the file is truncated). */
  mode?: number;
  /** Append instead of create/truncate. */
  append?: boolean;
}

interface Waiter<T> {
  resolve: (value: T) => void;
  reject: (error: Error) => void;
}

/** Exec ids count up from 1; file ids use the upper half of the u32 space so ERROR ids are unambiguous. */
const MAX_EXEC_ID = 0x7fff_ffff;
const FIRST_FILE_ID = 0x8000_0000;
const MAX_FILE_ID = 0xffff_ffff;

export class AgentChannel {
  /** Resolves (never rejects) with the reason once the channel is closed. */
  readonly closed: Promise<AgentChannelClosedError>;
  private readonly stream: Duplex;
  private readonly decoder = new FrameDecoder(GUEST_TO_HOST_TYPES);
  private readonly transport: SessionTransport;
  private readonly sessions = new Map<number, ExecSessionImpl>();
  private readonly files = new Map<number, Waiter<void>>();
  private readonly pings = new Map<string, Waiter<void>>();
  private readonly inits: Waiter<void>[] = [];
  private readonly readyWaiters = new Set<Waiter<string>>();
  private readyVersion: string | null = null;
  private closeReason: AgentChannelClosedError | null = null;
  private resolveClosed: (reason: AgentChannelClosedError) => void = () => {};
  private nextExecId = 1;
  private nextFileId = FIRST_FILE_ID;
  private nextPing = 0n;

  constructor(stream: Duplex) {
    this.stream = stream;
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
    this.transport = {
      sendStdin: (id, data) => this.sendIfOpen(FrameType.STDIN, id, data),
      sendSignal: (id, signo) => this.sendIfOpen(FrameType.SIGNAL, id, encodeSignal(signo)),
    };
    stream.on("data", (chunk: unknown) => this.onData(chunk));
    stream.on("end", () => this.fail("the agent closed the stream"));
    stream.on("close", () => this.fail("the stream closed"));
    stream.on("error", (err: Error) => this.fail(`stream error: ${err.message}`, err));
  }

  /** The agent version from READY, or null before it arrived. */
  get version(): string | null {
    return this.readyVersion;
  }

  /** Null while open; afterwards the error every pending and later call rejects with. */
  get closeError(): AgentChannelClosedError | null {
    return this.closeReason;
  }

  /** Resolves with the agent version once READY arrived (possibly before this call). */
  waitReady(timeoutMs: number): Promise<string> {
    if (this.readyVersion !== null) return Promise.resolve(this.readyVersion);
    if (this.closeReason) return Promise.reject(this.closeReason);
    return new Promise<string>((resolve, reject) => {
      const waiter: Waiter<string> = {
        resolve: (version) => {
          clearTimeout(timer);
          resolve(version);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      const timer = setTimeout(() => {
        this.readyWaiters.delete(waiter);
        reject(new AgentTimeoutError(`agent not READY after ${timeoutMs} ms`, timeoutMs));
      }, timeoutMs);
      this.readyWaiters.add(waiter);
    });
  }

  /** Sets the guest clock (ns since the epoch) and seeds its RNG (32..256 bytes). */
  async init(nowNs: bigint, seed: Uint8Array): Promise<void> {
    this.assertOpen();
    const payload = encodeInit({ nowNs, seed });
    const reply = new Promise<void>((resolve, reject) => this.inits.push({ resolve, reject }));
    this.send(FrameType.INIT, 0, payload);
    return reply;
  }

  /** Writes a guest file (parents created); data over ~1 MiB goes as truncate + append frames. */
  async writeFile(path: string, data: Uint8Array, options: WriteFileOptions = {}): Promise<void> {
    this.assertOpen();
    const mode = options.mode ?? 0o644;
    const room = MAX_FRAME_PAYLOAD - FILE_HEADER_SIZE - Buffer.byteLength(path, "utf8");
    if (room <= 0) throw new RangeError(`FILE path is too long (${path.length} characters)`);
    const payloads: Buffer[] = [];
    let offset = 0;
    do {
      const chunk = data.subarray(offset, offset + room);
      payloads.push(
        encodeFile({ path, mode, append: offset > 0 || !!options.append, data: chunk }),
      );
      offset += room;
    } while (offset < data.length);
    const replies = payloads.map((payload) => {
      const id = this.allocateFileId();
      const reply = new Promise<void>((resolve, reject) => this.files.set(id, { resolve, reject }));
      this.send(FrameType.FILE, id, payload);
      return reply;
    });
    const results = await Promise.allSettled(replies);
    for (const result of results) if (result.status === "rejected") throw result.reason;
  }

  /** Round trip to the agent; resolves with the elapsed milliseconds. */
  async ping(): Promise<number> {
    this.assertOpen();
    const payload = Buffer.alloc(8);
    payload.writeBigUInt64LE(this.nextPing++, 0);
    const startedAt = performance.now();
    const reply = new Promise<void>((resolve, reject) =>
      this.pings.set(payload.toString("hex"), { resolve, reject }),
    );
    this.send(FrameType.PING, 0, payload);
    await reply;
    return performance.now() - startedAt;
  }

  /** Starts a command. The session's promises reject if it cannot start or the channel closes. */
  exec(options: ExecOptions): ExecSession {
    const env = envToList(options.env ?? []);
    const payload = encodeExec({ argv: options.argv, env, cwd: options.cwd ?? "" });
    if (this.nextExecId > MAX_EXEC_ID) throw new RangeError("exec ids exhausted on this channel");
    const session = new ExecSessionImpl(this.nextExecId++, this.transport);
    if (this.closeReason) {
      session.fail(this.closeReason);
      return session;
    }
    this.sessions.set(session.id, session);
    this.send(FrameType.EXEC, session.id, payload);
    return session;
  }

  /** Closes the stream; everything pending rejects with AgentChannelClosedError. */
  close(): void {
    this.fail("the channel was closed by the host");
  }

  // -------------------------------------------------------------------------------------------

  private allocateFileId(): number {
    const id = this.nextFileId;
    this.nextFileId = id === MAX_FILE_ID ? FIRST_FILE_ID : id + 1;
    return id;
  }

  private assertOpen(): void {
    if (this.closeReason) throw this.closeReason;
  }

  private send(type: FrameType, id: number, payload: Uint8Array): void {
    if (this.closeReason) throw this.closeReason;
    this.stream.write(encodeFrame(type, id, payload));
  }

  private sendIfOpen(type: FrameType, id: number, payload: Uint8Array): void {
    if (!this.closeReason) this.stream.write(encodeFrame(type, id, payload));
  }

  private onData(chunk: unknown): void {
    if (this.closeReason) return;
    if (!(chunk instanceof Uint8Array)) {
      this.fail("the stream delivered text instead of bytes (was setEncoding called?)");
      return;
    }
    try {
      for (const frame of this.decoder.push(chunk)) {
        this.dispatch(frame);
        if (this.closeReason) return;
      }
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      this.fail(`corrupt data from the agent: ${err.message}`, err);
    }
  }

  private dispatch(frame: Frame): void {
    const { id, payload } = frame;
    switch (frame.type) {
      case FrameType.READY: {
        const version = decodeText(payload);
        this.readyVersion = version;
        for (const waiter of this.readyWaiters) waiter.resolve(version);
        this.readyWaiters.clear();
        return;
      }
      case FrameType.INIT_OK:
        this.inits.shift()?.resolve();
        return;
      case FrameType.FILE_OK:
        this.files.get(id)?.resolve();
        this.files.delete(id);
        return;
      case FrameType.PONG: {
        const key = payload.toString("hex");
        this.pings.get(key)?.resolve();
        this.pings.delete(key);
        return;
      }
      case FrameType.STARTED:
        this.sessions.get(id)?.handleStarted(decodeStarted(payload));
        return;
      case FrameType.STDOUT:
        this.sessions.get(id)?.handleStdout(payload);
        return;
      case FrameType.STDERR:
        this.sessions.get(id)?.handleStderr(payload);
        return;
      case FrameType.EXIT: {
        const exit = decodeExit(payload);
        this.sessions.get(id)?.handleExit(exit);
        this.sessions.delete(id);
        return;
      }
      case FrameType.ERROR:
        this.onError(id, decodeText(payload));
        return;
      default:
        throw new ProtocolError("unknown-type", `unexpected frame type ${frame.type}`);
    }
  }

  /** An ERROR frame answers the INIT (id 0), FILE or EXEC with that id. */
  private onError(id: number, message: string): void {
    const error = new AgentRemoteError(id, message);
    if (id === 0) {
      this.inits.shift()?.reject(error);
      return;
    }
    const file = this.files.get(id);
    if (file) {
      this.files.delete(id);
      file.reject(error);
      return;
    }
    this.sessions.get(id)?.fail(error);
    this.sessions.delete(id);
  }

  private fail(message: string, cause?: unknown): void {
    if (this.closeReason) return;
    const reason = new AgentChannelClosedError(message, cause === undefined ? {} : { cause });
    this.closeReason = reason;
    for (const waiter of this.readyWaiters) waiter.reject(reason);
    this.readyWaiters.clear();
    for (const waiter of this.inits.splice(0)) waiter.reject(reason);
    for (const waiter of this.files.values()) waiter.reject(reason);
    this.files.clear();
    for (const waiter of this.pings.values()) waiter.reject(reason);
    this.pings.clear();
    for (const session of this.sessions.values()) session.fail(reason);
    this.sessions.clear();
    this.resolveClosed(reason);
    this.stream.destroy();
  }
}
