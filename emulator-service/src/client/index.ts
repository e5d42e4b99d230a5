import { signRequest } from "../auth/index.js";
import type { ErrorBody } from "../errors/index.js";
import type { Capacity, JobResult, OutputEncoding } from "../jobs/types.js";

/** The body of `POST /v1/jobs` as a caller writes it (defaults filled in by the service). */
export interface JobRequest {
  command: string[];
  image?: string;
  stdin?: string;
  env?: Record<string, string>;
  files?: Record<string, string>;
  cwd?: string;
  timeoutMs?: number;
  memoryMiB?: number;
  vcpus?: number;
  outputEncoding?: OutputEncoding;
}

/** One Server-Sent Event of a streamed job, its data parsed. */
export type StreamEvent =
  | { event: "start"; data: { id: string; region: string; host: string; vm: JobResult["vm"] } }
  | { event: "stdout" | "stderr"; data: { data: string } }
  | { event: "exit"; data: JobResult }
  | { event: "error"; data: ErrorBody };

export class EmulatorApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody,
    readonly retryAfter: string | null,
  ) {
    super(`${status} ${body.error.code}: ${body.error.message}`);
    this.name = "EmulatorApiError";
  }
}

/**
 * A typed client for one emulator host. Every request is signed with the region's shared secret,
 * as the region Worker does. Uses only fetch and Web Crypto, so it runs in Node and in workerd.
 */
export class EmulatorClient {
  constructor(
    private readonly baseUrl: string,
    private readonly secret: string,
  ) {}

  async request(
    method: string,
    path: string,
    body?: string,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    const bytes = new TextEncoder().encode(body ?? "");
    const signed = await signRequest({ secret: this.secret, method, path, body: bytes });
    return fetch(new URL(path, this.baseUrl), {
      method,
      headers: {
        ...signed,
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body } : {}),
    });
  }

  private async json<T>(response: Response): Promise<T> {
    const body = (await response.json()) as T | ErrorBody;
    if (!response.ok)
      throw new EmulatorApiError(
        response.status,
        body as ErrorBody,
        response.headers.get("retry-after"),
      );
    return body as T;
  }

  /** Runs a job and waits for its result. */
  async run(job: JobRequest): Promise<JobResult> {
    return this.json<JobResult>(await this.request("POST", "/v1/jobs", JSON.stringify(job)));
  }

  /** Runs a job as a stream of Server-Sent Events, yielded as they arrive. */
  async *stream(job: JobRequest): AsyncGenerator<StreamEvent> {
    const response = await this.request("POST", "/v1/jobs", JSON.stringify(job), {
      accept: "text/event-stream",
    });
    if (!response.ok || !response.body) {
      await this.json(response);
      return;
    }
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let end = buffer.indexOf("\n\n");
      while (end >= 0) {
        const event = parseSseBlock(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        if (event) yield event;
        end = buffer.indexOf("\n\n");
      }
    }
  }

  async capacity(): Promise<Capacity> {
    return this.json<Capacity>(await this.request("GET", "/v1/capacity"));
  }
}

/** Pure: one SSE block (lines up to a blank line) into an event. */
export function parseSseBlock(block: string): StreamEvent | undefined {
  let event = "message";
  const data: string[] = [];
  for (const line of block.split("\n")) {
    if (line.startsWith("event:")) event = line.slice(6).trim();
    else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
  }
  if (!data.length) return undefined;
  return { event, data: JSON.parse(data.join("\n")) } as StreamEvent;
}
