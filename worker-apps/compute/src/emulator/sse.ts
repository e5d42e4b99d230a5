/**
 * The Worker's side of a host's job stream (Server-Sent Events: `start`, `stdout`, `stderr`, then
 * `exit` or `error`). A host commits the stream only once the job has started, so a stream that
 * breaks or ends before its `exit`/`error` event means the host went away mid-job: these helpers
 * turn that into an explicit `HOST_LOST` error instead of a silently truncated answer.
 */

import {
  EdgevmError,
  type ErrorBody,
  formatSse,
  type JobResult,
  parseStreamEvent,
  type SseMessage,
  SseParser,
} from "../shared/index.js";

export type TerminalEvent = "exit" | "error";

/** The message's event name when it ends a job stream. */
export function terminalEventOf(message: SseMessage): TerminalEvent | undefined {
  return message.event === "exit" || message.event === "error" ? message.event : undefined;
}

/** An SSE `error` event, as bytes. */
export function errorEventBytes(body: ErrorBody): Uint8Array {
  return new TextEncoder().encode(formatSse("error", JSON.stringify(body)));
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
  const parser = new SseParser();
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
      for (const message of parser.push(decoder.decode(chunk.value, { stream: true }))) {
        if (terminalEventOf(message) !== undefined) ended = true;
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
  const parser = new SseParser();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return { kind: "lost", cause: "its stream ended before the job's exit" };
      for (const message of parser.push(decoder.decode(value, { stream: true }))) {
        const event = parseStreamEvent(message);
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
