/**
 * No dependencies (not even zod): the typed client imports this module at run time.
 *
 * An incremental Server-Sent Events parser (the WHATWG event-stream format): feed it decoded text
 * in chunks of any size. Handles `\n`, `\r\n` and `\r` line ends (also split across chunks),
 * multi-line `data:`, comments and fields without a value. `end()` dispatches a final event that
 * lacks its trailing blank line.
 */

export interface SseMessage {
  /** `event:` field; `"message"` when absent */
  event: string;
  /** the `data:` lines joined with `\n` */
  data: string;
  /** the last `id:` seen, if any */
  id: string | undefined;
}

export class SseParser {
  private buffer = "";
  private eventType = "";
  private dataLines: string[] = [];
  private hasData = false;
  private lastId: string | undefined;

  /** Parses a chunk; returns the events it completed. */
  push(chunk: string): SseMessage[] {
    this.buffer += chunk;
    const out: SseMessage[] = [];
    let start = 0;
    for (;;) {
      const end = nextLineEnd(this.buffer, start);
      if (end < 0) break;
      const char = this.buffer[end];
      // A trailing CR may be the first half of a CRLF: wait for the next chunk to decide.
      if (char === "\r" && end === this.buffer.length - 1) break;
      this.line(this.buffer.slice(start, end), out);
      start = end + (char === "\r" && this.buffer[end + 1] === "\n" ? 2 : 1);
    }
    this.buffer = this.buffer.slice(start);
    return out;
  }

  /** The stream ended: completes a last line and a last event without a blank line after it. */
  end(): SseMessage[] {
    const out = this.push("");
    const rest = this.buffer.endsWith("\r") ? this.buffer.slice(0, -1) : this.buffer;
    this.buffer = "";
    if (rest !== "") this.line(rest, out);
    this.dispatch(out);
    return out;
  }

  private line(line: string, out: SseMessage[]): void {
    if (line === "") {
      this.dispatch(out);
      return;
    }
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    switch (field) {
      case "event":
        this.eventType = value;
        break;
      case "data":
        this.dataLines.push(value);
        this.hasData = true;
        break;
      case "id":
        if (!value.includes("\0")) this.lastId = value;
        break;
      default:
        // `retry` and unknown fields carry nothing a job stream needs
        break;
    }
  }

  private dispatch(out: SseMessage[]): void {
    if (this.hasData) {
      out.push({
        event: this.eventType === "" ? "message" : this.eventType,
        data: this.dataLines.join("\n"),
        id: this.lastId,
      });
    }
    this.eventType = "";
    this.dataLines = [];
    this.hasData = false;
  }
}

function nextLineEnd(text: string, from: number): number {
  const lf = text.indexOf("\n", from);
  const cr = text.indexOf("\r", from);
  if (lf < 0) return cr;
  if (cr < 0) return lf;
  return Math.min(lf, cr);
}

/** Reads a byte stream of Server-Sent Events, yielding each message as its blank line arrives. */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseMessage> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      yield* parser.push(decoder.decode(value, { stream: true }));
    }
    yield* parser.push(decoder.decode());
    yield* parser.end();
  } finally {
    await reader.cancel().catch(() => {});
  }
}

/** An SSE message as text: `event:` and one `data:` line per line of `data`. */
export function formatSse(event: string, data: string): string {
  return `event: ${event}\n${data
    .split("\n")
    .map((line) => `data: ${line}\n`)
    .join("")}\n`;
}
