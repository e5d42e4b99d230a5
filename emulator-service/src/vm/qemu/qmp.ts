import { EventEmitter } from "node:events";
import type { Socket } from "node:net";

/** A QMP event as QEMU sends it. */
export interface QmpEvent {
  event: string;
  data?: Record<string, unknown>;
  timestamp?: { seconds: number; microseconds: number };
}

export class QmpError extends Error {
  readonly qmpClass: string;
  constructor(qmpClass: string, message: string) {
    super(`QMP ${qmpClass}: ${message}`);
    this.name = "QmpError";
    this.qmpClass = qmpClass;
  }
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

/**
 * A minimal QMP client over a connected socket: greeting + `qmp_capabilities` handshake,
 * commands matched to replies by id, events emitted as "event". Every pending command rejects
 * when the socket closes, so nothing waits on a dead QEMU.
 */
export class QmpClient extends EventEmitter<{ event: [QmpEvent]; close: [] }> {
  private buffer = "";
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private greeted: Pending | undefined;
  private closedError: Error | undefined;

  constructor(private readonly socket: Socket) {
    super();
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => this.onData(chunk));
    socket.on("error", (err) => this.fail(err));
    socket.on("close", () => this.fail(new Error("QMP socket closed")));
  }

  /** Waits for the greeting and leaves negotiation mode. */
  async handshake(): Promise<void> {
    await new Promise((resolve, reject) => {
      if (this.closedError) return reject(this.closedError);
      this.greeted = { resolve, reject };
    });
    await this.execute("qmp_capabilities");
  }

  execute<T = unknown>(command: string, args?: Record<string, unknown>): Promise<T> {
    if (this.closedError) return Promise.reject(this.closedError);
    const id = this.nextId++;
    const message = args ? { execute: command, arguments: args, id } : { execute: command, id };
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.socket.write(`${JSON.stringify(message)}\n`);
    });
  }

  /** Resolves with the first event for which `match` is true (or rejects when QMP closes). */
  waitFor(match: (event: QmpEvent) => boolean): Promise<QmpEvent> {
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise((resolve, reject) => {
      const onEvent = (event: QmpEvent) => {
        if (!match(event)) return;
        cleanup();
        resolve(event);
      };
      const onClose = () => {
        cleanup();
        reject(this.closedError ?? new Error("QMP socket closed"));
      };
      const cleanup = () => {
        this.off("event", onEvent);
        this.off("close", onClose);
      };
      this.on("event", onEvent);
      this.on("close", onClose);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let newline = this.buffer.indexOf("\n");
    while (newline >= 0) {
      const line = this.buffer.slice(0, newline).trim();
      this.buffer = this.buffer.slice(newline + 1);
      if (line) this.onMessage(line);
      newline = this.buffer.indexOf("\n");
    }
  }

  private onMessage(line: string): void {
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(line) as Record<string, unknown>;
    } catch {
      this.fail(new Error(`QMP sent invalid JSON: ${line.slice(0, 200)}`));
      return;
    }
    if ("QMP" in message) {
      this.greeted?.resolve(undefined);
      this.greeted = undefined;
    } else if ("event" in message) {
      this.emit("event", message as unknown as QmpEvent);
    } else if (typeof message.id === "number") {
      const pending = this.pending.get(message.id);
      if (!pending) return;
      this.pending.delete(message.id);
      const error = message.error as { class?: string; desc?: string } | undefined;
      if (error) pending.reject(new QmpError(error.class ?? "Error", error.desc ?? "unknown"));
      else pending.resolve(message.return);
    }
  }

  private fail(err: Error): void {
    if (this.closedError) return;
    this.closedError = err;
    this.greeted?.reject(err);
    for (const pending of this.pending.values()) pending.reject(err);
    this.pending.clear();
    this.emit("close");
  }
}
