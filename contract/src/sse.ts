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
  /** the unfinished last line, in the pieces it arrived in (joined only once it ends) */
  private pending: string[] = [];
  private pendingChars = 0;
  /** how many characters of `pending` are known to hold no line end */
  private scanned = 0;
  private eventType = "";
  private dataLines: string[] = [];
  private hasData = false;
  private lastId: string | undefined;

  /**
   * Parses a chunk; returns the events it completed. Linear in the input however it is cut: a
   * line arriving in many chunks is scanned and joined once.
   */
  push(chunk: string): SseMessage[] {
    if (this.scanned === this.pendingChars && nextLineEnd(chunk, 0) < 0) {
      if (chunk !== "") this.pending.push(chunk);
      this.pendingChars += chunk.length;
      this.scanned = this.pendingChars;
      return [];
    }
    const buffer = this.pending.join("") + chunk;
    const out: SseMessage[] = [];
    let start = 0;
    let scanFrom = this.scanned;
    let clean = false;
    for (;;) {
      const end = nextLineEnd(buffer, Math.max(start, scanFrom));
      if (end < 0) {
        clean = true;
        break;
      }
      const char = buffer[end];
      // A trailing CR may be the first half of a CRLF: wait for the next chunk to decide.
      if (char === "\r" && end === buffer.length - 1) break;
      this.line(buffer.slice(start, end), out);
      start = end + (char === "\r" && buffer[end + 1] === "\n" ? 2 : 1);
      scanFrom = start;
    }
    const rest = buffer.slice(start);
    this.pending = rest === "" ? [] : [rest];
    this.pendingChars = rest.length;
    this.scanned = clean ? rest.length : 0;
    return out;
  }

  /** The stream ended: completes a last line and a last event without a blank line after it. */
  end(): SseMessage[] {
    const out = this.push("");
    const buffer = this.pending.join("");
    const rest = buffer.endsWith("\r") ? buffer.slice(0, -1) : buffer;
    this.pending = [];
    this.pendingChars = 0;
    this.scanned = 0;
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

const LINE_END = /[\r\n]/g;

/** The index of the first CR or LF at or after `from`, or -1: one pass, however long the text. */
function nextLineEnd(text: string, from: number): number {
  LINE_END.lastIndex = from;
  return LINE_END.exec(text)?.index ?? -1;
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
