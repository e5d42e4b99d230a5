/** The transport under `EdgevmClient`: URLs, headers, retries and error mapping. */

import { EdgevmApiError, EdgevmNetworkError } from "./errors.js";
import type { ApiErrorInfo } from "./types.js";

export const REQUEST_ID_HEADER = "x-request-id";

export type FetchFn = (input: string, init: RequestInit) => Promise<Response>;

export interface TransportConfig {
  baseUrl: string;
  apiKey: string;
  fetch: FetchFn;
  requestId: () => string;
  retries: number;
}

export interface HttpRequest {
  method: "GET" | "POST";
  /** path and query, starting with `/` */
  path: string;
  body?: unknown;
  accept?: string;
  /** send the API key (every `/v1` route) */
  auth: boolean;
  /** retrying a network failure is safe (the call has no side effects) */
  idempotent: boolean;
  /** a 429/503 answer means "not accepted, try again" (false where it is a stored outcome) */
  retryBusy: boolean;
  signal?: AbortSignal;
  requestId?: string;
  retries?: number;
}

const MAX_BACKOFF_MS = 5_000;

export function backoffMs(attempt: number): number {
  return Math.min(MAX_BACKOFF_MS, 250 * 2 ** attempt);
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (value === null) return null;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortReason(signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

export function abortReason(signal: AbortSignal | undefined): unknown {
  return signal?.reason ?? new DOMException("The operation was aborted.", "AbortError");
}

export function defaultRequestId(): string {
  const webCrypto = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (typeof webCrypto?.randomUUID === "function") return webCrypto.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
}

export class Transport {
  constructor(readonly config: TransportConfig) {}

  /** The call with its request id fixed (one id for every attempt, reported in errors). */
  withRequestId(req: HttpRequest): HttpRequest & { requestId: string } {
    return { ...req, requestId: req.requestId ?? this.config.requestId() };
  }

  /**
   * Sends one call, retrying 429/503 (honouring `Retry-After`) and, for idempotent calls, network
   * failures, up to `retries` times. Returns any 2xx response; throws `EdgevmApiError` otherwise.
   */
  async send(req: HttpRequest): Promise<Response> {
    const requestId = req.requestId ?? this.config.requestId();
    const retries = req.retries ?? this.config.retries;
    const headers: Record<string, string> = {
      accept: req.accept ?? "application/json",
      [REQUEST_ID_HEADER]: requestId,
    };
    if (req.auth) headers.authorization = `Bearer ${this.config.apiKey}`;
    if (req.body !== undefined) headers["content-type"] = "application/json";
    const init: RequestInit = { method: req.method, headers };
    if (req.body !== undefined) init.body = JSON.stringify(req.body);
    if (req.signal) init.signal = req.signal;
    const url = this.config.baseUrl + req.path;
    const fetchFn = this.config.fetch;

    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await fetchFn(url, init);
      } catch (err) {
        if (req.signal?.aborted) throw abortReason(req.signal);
        if (req.idempotent && attempt < retries) {
          await sleep(backoffMs(attempt), req.signal);
          continue;
        }
        throw new EdgevmNetworkError(`${req.method} ${url} failed: ${describe(err)}`, {
          cause: err,
          requestId,
        });
      }
      if (response.ok) return response;
      const busy = response.status === 429 || response.status === 503;
      if (busy && req.retryBusy && attempt < retries) {
        const wait = parseRetryAfter(response.headers.get("retry-after")) ?? backoffMs(attempt);
        await response.body?.cancel().catch(() => {});
        await sleep(wait, req.signal);
        continue;
      }
      throw await apiError(response, requestId);
    }
  }

  /** `send`, then the JSON body of the answer. */
  async json<T>(call: HttpRequest): Promise<T> {
    const req = this.withRequestId(call);
    const response = await this.send(req);
    const requestId = response.headers.get(REQUEST_ID_HEADER) ?? req.requestId ?? null;
    let text: string;
    try {
      text = await response.text();
    } catch (err) {
      if (req.signal?.aborted) throw abortReason(req.signal);
      throw new EdgevmNetworkError(`reading the answer failed: ${describe(err)}`, {
        cause: err,
        requestId,
      });
    }
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new EdgevmApiError({
        status: response.status,
        code: "INVALID_RESPONSE",
        message: `expected JSON, got ${JSON.stringify(text.slice(0, 200))}`,
        requestId,
      });
    }
  }
}

/** Reads a non-2xx answer into an `EdgevmApiError` (any body; the JSON error shape preferred). */
export async function apiError(response: Response, sentId: string): Promise<EdgevmApiError> {
  const requestId = response.headers.get(REQUEST_ID_HEADER) ?? sentId;
  const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"));
  const text = await response.text().catch(() => "");
  const info = errorInfo(text);
  return new EdgevmApiError({
    status: response.status,
    code: info?.code ?? "HTTP_ERROR",
    message: info?.message ?? (text.slice(0, 500) || response.statusText || "request failed"),
    details: info?.details,
    retryAfterMs,
    requestId,
  });
}

/** The `error` object of `{"error":{"code","message"}}`, or undefined for any other text. */
export function errorInfo(text: string): ApiErrorInfo | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof body !== "object" || body === null || !("error" in body)) return undefined;
  const error: unknown = body.error;
  if (typeof error !== "object" || error === null) return undefined;
  const { code, message, details } = error as Record<string, unknown>;
  if (typeof code !== "string" || typeof message !== "string") return undefined;
  return details === undefined ? { code, message } : { code, message, details };
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? ` (${err.cause.message})` : "";
  return `${err.message}${cause}`;
}
