/** Turns engine events into SSE messages (`event:` name + JSON `data:`). */

import type { JobResult, OutputEncoding } from "@edgevm/contract";
import type { JobEvent } from "../jobs/runner.js";

export interface SseMessage {
  event: "start" | "stdout" | "stderr" | "exit" | "error";
  data: string;
}

/**
 * Encodes one job's events. In utf8 mode each stream keeps its own streaming decoder, so a
 * multi-byte character split across two chunks is not mangled.
 */
export class JobEventEncoder {
  private readonly decoders = {
    stdout: new TextDecoder("utf-8"),
    stderr: new TextDecoder("utf-8"),
  };

  constructor(private readonly encoding: OutputEncoding) {}

  encode(event: JobEvent): SseMessage[] {
    switch (event.type) {
      case "start": {
        const { id, region, host, vm } = event;
        return [{ event: "start", data: JSON.stringify({ id, region, host, vm }) }];
      }
      case "stdout":
      case "stderr": {
        const text =
          this.encoding === "base64"
            ? Buffer.from(event.data).toString("base64")
            : this.decoders[event.type].decode(event.data, { stream: true });
        return text === "" ? [] : [output(event.type, text)];
      }
      case "exit":
        return [...this.flush(), exitMessage(event.result)];
    }
  }

  /** Pending partial characters (utf8 mode), as replacement characters. */
  flush(): SseMessage[] {
    if (this.encoding !== "utf8") return [];
    const out: SseMessage[] = [];
    for (const stream of ["stdout", "stderr"] as const) {
      const rest = this.decoders[stream].decode();
      if (rest !== "") out.push(output(stream, rest));
    }
    return out;
  }
}

function output(stream: "stdout" | "stderr", text: string): SseMessage {
  return { event: stream, data: JSON.stringify({ data: text }) };
}

export function exitMessage(result: JobResult): SseMessage {
  return { event: "exit", data: JSON.stringify(result) };
}

export function errorMessage(code: string, message: string): SseMessage {
  return { event: "error", data: JSON.stringify({ error: { code, message } }) };
}
