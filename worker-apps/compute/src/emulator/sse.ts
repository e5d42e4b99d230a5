/**
 * The Worker's side of a host's job stream (Server-Sent Events: `start`, `stdout`, `stderr`, then
 * `exit` or `error`). A host commits the stream only once the job has started, so a stream that
 * breaks or ends before its `exit`/`error` event means the host went away mid-job: these helpers
 * turn that into an explicit `HOST_LOST` error instead of a silently truncated answer.
 */

import { EdgevmError, type ErrorBody, type JobResult, parseSseBlock } from "../shared/index.js";

export type TerminalEvent = "exit" | "error";

/** Splits a text stream into SSE blocks (the text between blank lines). */
export class SseBlocks {
  private buffer = "";

  push(text: string): string[] {
    this.buffer += text;
    const blocks: string[] = [];
    let end = this.buffer.indexOf("\n\n");
    while (end >= 0) {
      blocks.push(this.buffer.slice(0, end));
      this.buffer = this.buffer.slice(end + 2);
      end = this.buffer.indexOf("\n\n");
    }
    return blocks;
  }
}

/** The block's event name when it ends a job stream. */
export function terminalEventOf(block: string): TerminalEvent | undefined {
  for (const line of block.split("\n")) {
    if (!line.startsWith("event:")) continue;
    const name = line.slice(6).trim();
    return name === "exit" || name === "error" ? name : undefined;
  }
  return undefined;
}

/** An SSE `error` event, as bytes. */
export function errorEventBytes(body: ErrorBody): Uint8Array {
  return new TextEncoder().encode(`event: error\ndata: ${JSON.stringify(body)}\n\n`);
}

export function hostLostError(host: string, cause: string): EdgevmError {
  return new EdgevmError(
    "HOST_LOST",
    `emulator host ${host} stopped answering while running the job (${cause}); the job may have partly run and its result is lost`,
    { details: { host } },
  );
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export interface GuardHooks {
  /** the host went away mid-job (before the `error` event is added) */
  onLost?: (cause: string) => void;
  /** once, when the stream is over: finished, lost, or cancelled by the reader */
  onEnd?: () => void;
}

/**
 * Pipes a host's job stream through unchanged, adding an `error` event (HOST_LOST) when it breaks
 * or ends before its last event. Cancelling the result cancels the host's stream (the host then
 * stops the job).
 */
export function guardStream(
  upstream: ReadableStream<Uint8Array>,
  host: string,
  hooks: GuardHooks = {},
): ReadableStream<Uint8Array> {
  const reader = upstream.getReader();
  const decoder = new TextDecoder();
  const blocks = new SseBlocks();
  let ended = false;
  let over = false;
  const finish = (): void => {
    if (over) return;
    over = true;
    hooks.onEnd?.();
  };
  const lost = (controller: ReadableStreamDefaultController<Uint8Array>, cause: string): void => {
    hooks.onLost?.(cause);
    controller.enqueue(errorEventBytes(hostLostError(host, cause).toBody()));
    controller.close();
    finish();
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (err) {
        if (!ended) return lost(controller, describe(err));
        controller.close();
        return finish();
      }
      if (chunk.done) {
        if (!ended) return lost(controller, "its stream ended before the job's exit");
        controller.close();
        return finish();
      }
      for (const block of blocks.push(decoder.decode(chunk.value, { stream: true }))) {
        if (terminalEventOf(block) !== undefined) ended = true;
      }
      controller.enqueue(chunk.value);
    },
    cancel(reason) {
      finish();
      return reader.cancel(reason);
    },
  });
}

async function drain(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  try {
    while (!(await reader.read()).done) {
      // nothing: the bytes after the last event are not used
    }
  } catch {
    // the host closed the connection after its last event: nothing was lost
  }
}

export type Collected =
  | { kind: "result"; result: JobResult }
  | { kind: "error"; error: ErrorBody }
  | { kind: "lost"; cause: string };

/** Reads a host's job stream to its end: the result, the host's error, or the loss of the host. */
export async function collectResult(upstream: ReadableStream<Uint8Array>): Promise<Collected> {
  // A plain reader (no pipeThrough): a broken host stream must surface here, not as an
  // unhandled rejection of a pipe.
  const reader = upstream.getReader();
  const decoder = new TextDecoder();
  const blocks = new SseBlocks();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return { kind: "lost", cause: "its stream ended before the job's exit" };
      for (const block of blocks.push(decoder.decode(value, { stream: true }))) {
        const event = parseSseBlock(block);
        // The host ends its stream right after the last event: let it, rather than cancel.
        if (event?.event === "exit") {
          void drain(reader);
          return { kind: "result", result: event.data };
        }
        if (event?.event === "error") {
          void drain(reader);
          return { kind: "error", error: event.data };
        }
      }
    }
  } catch (err) {
    return { kind: "lost", cause: describe(err) };
  }
}
