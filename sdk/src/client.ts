/** `EdgevmClient`: the typed client for the edgevm public HTTP API. */

import { EdgevmTimeoutError } from "./errors.js";
import { defaultRequestId, type FetchFn, type HttpRequest, sleep, Transport } from "./http.js";
import { streamJob } from "./stream.js";
import type {
  AsyncJob,
  FinalJob,
  Health,
  ImageInfo,
  JobRequest,
  JobResult,
  JobStreamEvent,
  RegionView,
} from "./types.js";

export const DEFAULT_URL = "http://127.0.0.1:8787";

export interface EdgevmClientOptions {
  /** the front door or one region's worker; default `http://127.0.0.1:8787` */
  url?: string;
  /** sent as `Authorization: Bearer <apiKey>` on every `/v1` call */
  apiKey: string;
  /** a fetch implementation (default: the global `fetch`) */
  fetch?: typeof fetch;
  /** makes the `x-request-id` of each call (default: a random UUID) */
  requestId?: () => string;
  /**
   * How many times to retry a call the service answered 429/503 (not accepted; `Retry-After` is
   * honoured), and for read-only calls also a network failure. Default 0.
   */
  retries?: number;
}

export interface CallOptions {
  /** pin to a region: the job's `region` field for jobs, `?region=` otherwise */
  region?: string;
  signal?: AbortSignal;
  /** the `x-request-id` to send (default: from the client's `requestId`) */
  requestId?: string;
  /** overrides the client's `retries` for this call */
  retries?: number;
}

export interface WaitOptions extends CallOptions {
  /** delay between polls; default 250 ms */
  pollMs?: number;
  /** give up (throw `EdgevmTimeoutError`) after this long; default: wait forever */
  timeoutMs?: number;
}

/** True once an async job has a result (`succeeded`, `failed`, `timeout` or `crashed`). */
export function isFinal(state: AsyncJob): state is FinalJob {
  return state.status !== "queued" && state.status !== "running";
}

export class EdgevmClient {
  private readonly transport: Transport;

  constructor(options: EdgevmClientOptions) {
    const retries = options.retries ?? 0;
    if (!Number.isInteger(retries) || retries < 0) {
      throw new RangeError(`retries must be a non-negative integer, got ${retries}`);
    }
    const custom = options.fetch;
    // Never call the global fetch as a method: some runtimes reject a foreign `this`.
    const fetchFn: FetchFn = custom
      ? (input, init) => custom(input, init)
      : (input, init) => fetch(input, init);
    this.transport = new Transport({
      baseUrl: (options.url ?? DEFAULT_URL).replace(/\/+$/, ""),
      apiKey: options.apiKey,
      fetch: fetchFn,
      requestId: options.requestId ?? defaultRequestId,
      retries,
    });
  }

  /** Runs one command in a brand-new VM and waits for its result. */
  run(job: JobRequest, options: CallOptions = {}): Promise<JobResult> {
    return this.transport.json<JobResult>(this.jobCall(job, options, "application/json"));
  }

  /**
   * Runs one command and yields its events as they happen: `start`, `stdout`/`stderr`, then
   * `exit` (the full result). Breaking out of the loop cancels the request and the job.
   */
  stream(job: JobRequest, options: CallOptions = {}): AsyncGenerator<JobStreamEvent, void> {
    return streamJob(this.transport, this.jobCall(job, options, "text/event-stream"));
  }

  /** Queues a job (`?wait=false`) and returns its id at once; see `get` and `wait`. */
  submit(job: JobRequest, options: CallOptions = {}): Promise<{ id: string }> {
    const call = this.jobCall(job, options, "application/json");
    return this.transport.json<{ id: string }>({ ...call, path: "/v1/jobs?wait=false" });
  }

  /**
   * The state of a submitted job: `queued`, `running`, or its final result. A job the service
   * rejected after accepting it throws that rejection (an `EdgevmApiError`), never retried.
   */
  get(id: string, options: CallOptions = {}): Promise<AsyncJob> {
    return this.transport.json<AsyncJob>({
      ...this.readCall(`/v1/jobs/${encodeURIComponent(id)}`, options),
      // a stored 429/503 is the job's outcome, not a busy service: asking again changes nothing
      retryBusy: false,
    });
  }

  /** Polls `get` until the job is final. */
  async wait(id: string, options: WaitOptions = {}): Promise<FinalJob> {
    const { pollMs = 250, timeoutMs } = options;
    const deadline = timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + timeoutMs;
    for (;;) {
      const state = await this.get(id, options);
      if (isFinal(state)) return state;
      const left = deadline - Date.now();
      if (left <= 0) throw new EdgevmTimeoutError(id, timeoutMs ?? 0);
      await sleep(Math.min(pollMs, left), options.signal);
    }
  }

  /**
   * Every region: health, hosts and warm pool, whichever region answers. `scope: "self"`: only
   * the answering region.
   */
  regions(options: CallOptions & { scope?: "self" } = {}): Promise<RegionView[]> {
    const call = this.readCall("/v1/regions", options);
    if (options.scope !== undefined) {
      const sep = call.path.includes("?") ? "&" : "?";
      call.path += `${sep}scope=${encodeURIComponent(options.scope)}`;
    }
    return this.transport.json<RegionView[]>(call);
  }

  /** The images a job may name. */
  images(options: CallOptions = {}): Promise<ImageInfo[]> {
    return this.transport.json<ImageInfo[]>(this.readCall("/v1/images", options));
  }

  /** `GET /healthz` (no API key needed). */
  health(options: CallOptions = {}): Promise<Health> {
    return this.transport.json<Health>({ ...this.readCall("/healthz", options), auth: false });
  }

  private jobCall(job: JobRequest, options: CallOptions, accept: string): HttpRequest {
    const region = options.region ?? job.region;
    return {
      ...common(options),
      method: "POST",
      path: "/v1/jobs",
      body: region === undefined ? job : { ...job, region },
      accept,
      auth: true,
      // a job POST is not safe to repeat after a network failure: it may have started
      idempotent: false,
      retryBusy: true,
    };
  }

  private readCall(path: string, options: CallOptions): HttpRequest {
    const query =
      options.region === undefined ? "" : `?region=${encodeURIComponent(options.region)}`;
    return {
      ...common(options),
      method: "GET",
      path: path + query,
      auth: true,
      idempotent: true,
      retryBusy: true,
    };
  }
}

function common(options: CallOptions): Pick<HttpRequest, "signal" | "requestId" | "retries"> {
  const out: Pick<HttpRequest, "signal" | "requestId" | "retries"> = {};
  if (options.signal !== undefined) out.signal = options.signal;
  if (options.requestId !== undefined) out.requestId = options.requestId;
  if (options.retries !== undefined) out.retries = options.retries;
  return out;
}
