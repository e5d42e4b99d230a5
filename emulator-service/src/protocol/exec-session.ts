/** One EXEC session of an AgentChannel: its promises, output listeners and stdin/signal controls. */
import { constants } from "node:os";
import { MAX_FRAME_PAYLOAD } from "./frame.js";
import type { ExecExit } from "./messages.js";

export type OutputListener = (chunk: Buffer) => void;

export interface ExecSession {
  /** The session id on the wire (auto-incremented from 1 per channel). */
  readonly id: number;
  /** The guest pid once the agent forked; rejects when the session could not start. */
  readonly started: Promise<number>;
  /** How the command ended; every STDOUT/STDERR listener call happens before it resolves. */
  readonly exit: Promise<ExecExit>;
  /** True once `exit` settled. */
  readonly ended: boolean;
  /**
   * Subscribes to stdout chunks; returns an unsubscribe function. Output that arrived before the
   * first subscription is buffered and handed to the first listener synchronously.
   */
  onStdout(listener: OutputListener): () => void;
  onStderr(listener: OutputListener): () => void;
  /** Queues bytes for the command's stdin (split into frames as needed). Ignored once ended. */
  writeStdin(data: Uint8Array): void;
  /** Closes the command's stdin after the bytes written so far. Idempotent. */
  closeStdin(): void;
  /** Signals the command's process group (number or name such as "SIGTERM"). Ignored once ended. */
  signal(signo: number | NodeJS.Signals): void;
}

/** What a session needs from its channel to send frames. */
export interface SessionTransport {
  sendStdin(id: number, data: Uint8Array): void;
  sendSignal(id: number, signo: number): void;
}

/** Fans output out to listeners, holding it until the first listener subscribes. */
class OutputStream {
  private readonly listeners = new Set<OutputListener>();
  private held: Buffer[] | null = [];

  subscribe(listener: OutputListener): () => void {
    this.listeners.add(listener);
    const held = this.held;
    this.held = null;
    if (held) for (const chunk of held) listener(chunk);
    return () => {
      this.listeners.delete(listener);
    };
  }

  emit(chunk: Buffer): void {
    if (this.held) {
      this.held.push(chunk);
      return;
    }
    for (const listener of this.listeners) listener(chunk);
  }
}

function deferred<T>(): {
  promise: Promise<T>;
  resolve: (v: T) => void;
  reject: (e: Error) => void;
} {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Callers may only await one of the promises; an unobserved rejection must not crash Node.
  promise.catch(() => {});
  return { promise, resolve, reject };
}

function toSignalNumber(signo: number | NodeJS.Signals): number {
  const value = typeof signo === "number" ? signo : constants.signals[signo];
  if (!Number.isInteger(value) || value < 1 || value > 64) {
    throw new RangeError(`${String(signo)} is not a signal`);
  }
  return value;
}

/** The channel-side implementation: the `handle*`/`fail` methods are driven by incoming frames. */
export class ExecSessionImpl implements ExecSession {
  readonly id: number;
  readonly started: Promise<number>;
  readonly exit: Promise<ExecExit>;
  private readonly transport: SessionTransport;
  private readonly startedDeferred = deferred<number>();
  private readonly exitDeferred = deferred<ExecExit>();
  private readonly stdout = new OutputStream();
  private readonly stderr = new OutputStream();
  private isStarted = false;
  private isEnded = false;
  private stdinClosed = false;

  constructor(id: number, transport: SessionTransport) {
    this.id = id;
    this.transport = transport;
    this.started = this.startedDeferred.promise;
    this.exit = this.exitDeferred.promise;
  }

  get ended(): boolean {
    return this.isEnded;
  }

  onStdout(listener: OutputListener): () => void {
    return this.stdout.subscribe(listener);
  }

  onStderr(listener: OutputListener): () => void {
    return this.stderr.subscribe(listener);
  }

  writeStdin(data: Uint8Array): void {
    if (this.stdinClosed) throw new Error(`exec ${this.id}: stdin is already closed`);
    if (this.isEnded) return;
    for (let offset = 0; offset < data.length; offset += MAX_FRAME_PAYLOAD) {
      this.transport.sendStdin(this.id, data.subarray(offset, offset + MAX_FRAME_PAYLOAD));
    }
  }

  closeStdin(): void {
    if (this.stdinClosed) return;
    this.stdinClosed = true;
    if (!this.isEnded) this.transport.sendStdin(this.id, new Uint8Array(0));
  }

  signal(signo: number | NodeJS.Signals): void {
    const value = toSignalNumber(signo);
    if (!this.isEnded) this.transport.sendSignal(this.id, value);
  }

  handleStarted(pid: number): void {
    this.isStarted = true;
    this.startedDeferred.resolve(pid);
  }

  handleStdout(chunk: Buffer): void {
    if (!this.isEnded) this.stdout.emit(chunk);
  }

  handleStderr(chunk: Buffer): void {
    if (!this.isEnded) this.stderr.emit(chunk);
  }

  handleExit(exit: ExecExit): void {
    if (this.isEnded) return;
    this.isEnded = true;
    if (!this.isStarted)
      this.startedDeferred.reject(new Error(`exec ${this.id}: EXIT before STARTED`));
    this.exitDeferred.resolve(exit);
  }

  /** Rejects whatever is still pending (ERROR frame, or the channel closed). */
  fail(error: Error): void {
    if (this.isEnded) return;
    this.isEnded = true;
    if (!this.isStarted) this.startedDeferred.reject(error);
    this.exitDeferred.reject(error);
  }
}
