/**
 * The Server-Sent Events of a streamed job (`Accept: text/event-stream`), host and public API
 * alike, in order: one `start`, any `stdout`/`stderr`, then one `exit` — or an `error` if the job
 * failed after the stream began. `stdout`/`stderr` data is text, or base64 when the job asked for
 * `outputEncoding: "base64"`.
 */

import { z } from "zod";
import { errorBodySchema } from "../errors/schema.js";
import { SseParser } from "../sse.js";
import { jobResultSchema, jobStartSchema } from "./result.js";

export const JOB_EVENT_NAMES = ["start", "stdout", "stderr", "exit", "error"] as const;
export type JobEventName = (typeof JOB_EVENT_NAMES)[number];

export const outputChunkSchema = z.object({ data: z.string() });

/** One event as it travels: its SSE `event:` name and its parsed `data:` JSON. */
export const streamEventSchema = z.discriminatedUnion("event", [
  z.object({ event: z.literal("start"), data: jobStartSchema }),
  z.object({ event: z.literal("stdout"), data: outputChunkSchema }),
  z.object({ event: z.literal("stderr"), data: outputChunkSchema }),
  z.object({ event: z.literal("exit"), data: jobResultSchema }),
  z.object({ event: z.literal("error"), data: errorBodySchema }),
]);
export type StreamEvent = z.infer<typeof streamEventSchema>;

/**
 * One SSE message of a job stream as its typed event (the data JSON parsed, not validated: use
 * `streamEventSchema` to validate); undefined for a message that is not a job event.
 */
export function parseStreamEvent(message: {
  event: string;
  data: string;
}): StreamEvent | undefined {
  if (!(JOB_EVENT_NAMES as readonly string[]).includes(message.event)) return undefined;
  return { event: message.event, data: JSON.parse(message.data) } as StreamEvent;
}

/** Every job event in a complete SSE text (e.g. a buffered response body), in order. */
export function parseStreamEvents(text: string): StreamEvent[] {
  const parser = new SseParser();
  const events: StreamEvent[] = [];
  for (const message of [...parser.push(text), ...parser.end()]) {
    const event = parseStreamEvent(message);
    if (event) events.push(event);
  }
  return events;
}
