import type { JobResult } from "@edgevm/contract";
import { EdgevmError } from "@edgevm/contract";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type RunningServer, serve } from "../../src/api/index.js";
import type { JobEvent } from "../../src/jobs/runner.js";
import { bytes, fakeResult } from "./fake-runner.js";
import { errorOf, makeApp, signedInit, type TestApp } from "./helpers.js";
import { readSse, type SseEvent, within } from "./sse-client.js";

const JOB = JSON.stringify({ command: ["sh", "-c", "echo first; sleep 1; echo second"] });
const SSE = { accept: "text/event-stream" };

function startEvent(result: JobResult): JobEvent {
  return { type: "start", id: result.id, region: result.region, host: result.host, vm: result.vm };
}

function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve: (v: T) => void = () => {};
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

let t: TestApp;
let server: RunningServer;

beforeEach(async () => {
  t = makeApp();
  server = await serve(t.app, { port: 0 });
});

afterEach(async () => {
  await server.close();
});

async function fetchJob(headers: Record<string, string> = {}, signal?: AbortSignal) {
  const init = await signedInit("/v1/jobs", { body: JOB, headers });
  return fetch(`${server.url}/v1/jobs`, { ...init, signal });
}

describe("serve() with real fetch", () => {
  it("listens on a free port and runs a signed job", async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetchJob();
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(fakeResult());
    const unsigned = await fetch(`${server.url}/v1/jobs`, { method: "POST", body: JOB });
    expect(unsigned.status).toBe(401);
    expect((await errorOf(unsigned)).code).toBe("UNAUTHORIZED");
  });

  it("answers 413 to a streamed 2 MiB body without Content-Length", async () => {
    const body = `{"command":["cat"],"stdin":"${"x".repeat(2 * 1024 * 1024)}"}`;
    const init = await signedInit("/v1/jobs", { body });
    const encoded = new TextEncoder().encode(body);
    let offset = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (offset >= encoded.length) return controller.close();
        controller.enqueue(encoded.subarray(offset, offset + 65536));
        offset += 65536;
      },
    });
    const res = await fetch(`${server.url}/v1/jobs`, {
      ...init,
      body: stream,
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
    expect((await errorOf(res)).code).toBe("PAYLOAD_TOO_LARGE");
    expect(t.runner.calls).toHaveLength(0);
  });
});

describe("POST /v1/jobs as Server-Sent Events", () => {
  it("streams events in order, each as soon as it happens", async () => {
    const gate = deferred();
    let finished = false;
    t.runner.script = async (_spec, emit) => {
      const result = fakeResult({ stdout: "first\nsecond\n", stderr: "warn\n" });
      emit(startEvent(result));
      emit({ type: "stdout", data: bytes("first\n") });
      await gate.promise; // the job is still running until the client has seen "first"
      emit({ type: "stdout", data: bytes("second\n") });
      emit({ type: "stderr", data: bytes("warn\n") });
      emit({ type: "exit", result });
      finished = true;
      return result;
    };
    const res = await within(5000, fetchJob(SSE), "response headers before the job finished");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(res.body).not.toBeNull();
    const events: SseEvent[] = [];
    const reading = (async () => {
      for await (const event of readSse(res.body as ReadableStream<Uint8Array>)) {
        events.push(event);
        if (event.event === "stdout" && events.filter((e) => e.event === "stdout").length === 1) {
          expect(finished).toBe(false);
          gate.resolve();
        }
      }
    })();
    await within(5000, reading, "SSE stream (buffered output would never release the gate)");
    expect(finished).toBe(true);
    expect(events.map((e) => e.event)).toEqual(["start", "stdout", "stdout", "stderr", "exit"]);
    expect(JSON.parse(events[0]?.data ?? "")).toEqual({
      id: "job-1",
      region: "test-region",
      host: "test-host",
      vm: { id: "vm-1", start: "warm", memoryMiB: 128 },
    });
    expect(JSON.parse(events[1]?.data ?? "")).toEqual({ data: "first\n" });
    expect(JSON.parse(events[2]?.data ?? "")).toEqual({ data: "second\n" });
    expect(JSON.parse(events[3]?.data ?? "")).toEqual({ data: "warn\n" });
    expect((JSON.parse(events[4]?.data ?? "") as JobResult).stdout).toBe("first\nsecond\n");
  });

  it("aborts the run when the client disconnects", async () => {
    const aborted = deferred<unknown>();
    t.runner.script = async (_spec, emit, options) => {
      emit(startEvent(fakeResult()));
      emit({ type: "stdout", data: bytes("tick\n") });
      return new Promise<JobResult>((_resolve, reject) => {
        options?.signal?.addEventListener("abort", () => {
          aborted.resolve(options.signal?.reason);
          reject(new EdgevmError("INTERNAL", "aborted"));
        });
      });
    };
    const client = new AbortController();
    const res = await fetchJob(SSE, client.signal);
    const iterator = readSse(res.body as ReadableStream<Uint8Array>);
    expect((await iterator.next()).value?.event).toBe("start");
    expect((await iterator.next()).value?.event).toBe("stdout");
    client.abort();
    await iterator.return(undefined).catch(() => {});
    const reason = await within(5000, aborted.promise, "runner abort after disconnect");
    expect(String(reason)).toMatch(/client disconnected/);
  });

  it("sends an error event when the engine fails after the stream began", async () => {
    t.runner.script = async (_spec, emit) => {
      emit(startEvent(fakeResult()));
      emit({ type: "stdout", data: bytes("partial") });
      throw new EdgevmError("VM_CRASHED", "guest agent went away");
    };
    const res = await fetchJob(SSE);
    expect(res.status).toBe(200);
    const events: SseEvent[] = [];
    for await (const e of readSse(res.body as ReadableStream<Uint8Array>)) events.push(e);
    expect(events.map((e) => e.event)).toEqual(["start", "stdout", "error"]);
    expect(JSON.parse(events[2]?.data ?? "")).toEqual({
      error: { code: "VM_CRASHED", message: "guest agent went away" },
    });
  });

  it("hides unexpected error messages in the error event", async () => {
    t.runner.script = async (_spec, emit) => {
      emit(startEvent(fakeResult()));
      throw new Error("ENOENT /secret/path");
    };
    const res = await fetchJob(SSE);
    const events: SseEvent[] = [];
    for await (const e of readSse(res.body as ReadableStream<Uint8Array>)) events.push(e);
    expect(events.at(-1)).toEqual({
      event: "error",
      data: JSON.stringify({ error: { code: "INTERNAL", message: "internal error" } }),
    });
  });

  it("answers errors before start as JSON with status and Retry-After", async () => {
    t.runner.script = async () => {
      throw new EdgevmError("NO_CAPACITY", "no free slot", { retryAfterS: 2 });
    };
    const res = await fetchJob(SSE);
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("2");
    expect(res.headers.get("content-type")).toMatch(/application\/json/);
    expect(await errorOf(res)).toEqual({ code: "NO_CAPACITY", message: "no free slot" });
  });

  it("sends an exit event built from the result when the runner emits none", async () => {
    t.runner.script = async (_spec, emit) => {
      const result = fakeResult();
      emit(startEvent(result));
      return result;
    };
    const res = await fetchJob(SSE);
    const events: SseEvent[] = [];
    for await (const e of readSse(res.body as ReadableStream<Uint8Array>)) events.push(e);
    expect(events.map((e) => e.event)).toEqual(["start", "exit"]);
    expect(JSON.parse(events[1]?.data ?? "")).toEqual(fakeResult());
  });

  it("close() ends open SSE streams and aborts their runs", async () => {
    const aborted = deferred();
    t.runner.script = async (_spec, emit, options) => {
      emit(startEvent(fakeResult()));
      return new Promise<JobResult>((_resolve, reject) => {
        options?.signal?.addEventListener("abort", () => {
          aborted.resolve();
          reject(new Error("aborted"));
        });
      });
    };
    const res = await fetchJob(SSE);
    const iterator = readSse(res.body as ReadableStream<Uint8Array>);
    expect((await iterator.next()).value?.event).toBe("start");
    await within(5000, server.close(), "server.close() with an open stream");
    const rest = await within(
      5000,
      iterator.next().then(
        (r) => r.done,
        () => true,
      ),
      "stream end after close",
    );
    expect(rest).toBe(true);
    await within(5000, aborted.promise, "runner abort after close");
  });
});
