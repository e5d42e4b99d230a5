/**
 * A typed client for one emulator host (the host API: what region Workers call). Every request is
 * signed with the region's shared secret, as the region Worker does. Uses only fetch and Web
 * Crypto, so it runs in Node and in workerd.
 */

import type { Capacity } from "./capacity.js";
import type { ErrorBody } from "./errors/index.js";
import { parseStreamEvent, type StreamEvent } from "./jobs/events.js";
import type { JobRequest } from "./jobs/request.js";
import type { JobResult } from "./jobs/result.js";
import { signRequest } from "./signing/index.js";
import { readSse } from "./sse.js";

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
    for await (const message of readSse(response.body)) {
      const event = parseStreamEvent(message);
      if (event) yield event;
    }
  }

  async capacity(): Promise<Capacity> {
    return this.json<Capacity>(await this.request("GET", "/v1/capacity"));
  }
}
