/** `POST /v1/jobs` with `Accept: text/event-stream`, as an async iterable of typed events. */

import { type SseMessage, SseParser } from "@edgevm/contract/sse";
import { EdgevmApiError, EdgevmNetworkError } from "./errors.js";
import { abortReason, type HttpRequest, REQUEST_ID_HEADER, type Transport } from "./http.js";
import type { JobStreamEvent } from "./types.js";

/**
 * Yields the job's events as they arrive and ends after `exit` (or `error`). Leaving the loop
 * early (break, return, throw) aborts the HTTP request, which stops the job on the service.
 */
export async function* streamJob(
  transport: Transport,
  call: HttpRequest,
): AsyncGenerator<JobStreamEvent, void, undefined> {
  const outer = call.signal;
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(abortReason(outer));
  if (outer?.aborted) onAbort();
  else outer?.addEventListener("abort", onAbort, { once: true });
  const req = transport.withRequestId({ ...call, signal: controller.signal });
  let reader: ReadableStreamDefaultReader<string> | undefined;
  try {
    const response = await transport.send(req);
    const requestId = response.headers.get(REQUEST_ID_HEADER) ?? req.requestId;
    if (!response.body)
      throw new EdgevmNetworkError("the stream answer has no body", { requestId });
    reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    const parser = new SseParser();
    for (;;) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (err) {
        if (outer?.aborted) throw abortReason(outer);
        throw new EdgevmNetworkError("the event stream broke", { cause: err, requestId });
      }
      const messages = chunk.done ? parser.end() : parser.push(chunk.value);
      for (const message of messages) {
        const event = toEvent(message, requestId);
        if (event === undefined) continue;
        yield event;
        if (event.type === "exit" || event.type === "error") return;
      }
      if (chunk.done) {
        throw new EdgevmNetworkError("the event stream ended before the job's exit event", {
          requestId,
        });
      }
    }
  } finally {
    outer?.removeEventListener("abort", onAbort);
    reader?.cancel().catch(() => {});
    controller.abort();
  }
}

/** One SSE message as a typed event; undefined for event names this client does not know. */
export function toEvent(message: SseMessage, requestId: string | null): JobStreamEvent | undefined {
  const { event } = message;
  if (!isKnown(event)) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(message.data);
  } catch {
    throw invalid(`event ${event}: data is not JSON`, requestId);
  }
  if (typeof data !== "object" || data === null) {
    throw invalid(`event ${event}: data is not an object`, requestId);
  }
  switch (event) {
    case "stdout":
    case "stderr": {
      const text = (data as { data?: unknown }).data;
      if (typeof text !== "string") throw invalid(`event ${event}: no data string`, requestId);
      return { type: event, data: text };
    }
    case "error": {
      const error = (data as { error?: unknown }).error;
      const info = typeof error === "object" && error !== null ? error : data;
      const { code, message: text, details } = info as Record<string, unknown>;
      return {
        type: "error",
        data: {
          code: typeof code === "string" ? code : "INTERNAL",
          message: typeof text === "string" ? text : "the job failed",
          ...(details !== undefined ? { details } : {}),
        },
      };
    }
    case "start":
      return { type: "start", data: data as Extract<JobStreamEvent, { type: "start" }>["data"] };
    case "exit":
      return { type: "exit", data: data as Extract<JobStreamEvent, { type: "exit" }>["data"] };
  }
}

type EventType = JobStreamEvent["type"];
const EVENT_TYPES: ReadonlySet<string> = new Set<EventType>([
  "start",
  "stdout",
  "stderr",
  "exit",
  "error",
]);

function isKnown(event: string): event is EventType {
  return EVENT_TYPES.has(event);
}

function invalid(message: string, requestId: string | null): EdgevmApiError {
  return new EdgevmApiError({ status: 200, code: "INVALID_RESPONSE", message, requestId });
}
