import type { ServerResponse } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import {
  EdgevmApiError,
  EdgevmClient,
  EdgevmNetworkError,
  type JobStreamEvent,
} from "../src/index.js";
import {
  deferred,
  type FakeServer,
  type Handler,
  sampleResult,
  sendError,
  startServer,
} from "./fake-server.js";

const servers: FakeServer[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(handler: Handler): Promise<{ client: EdgevmClient; srv: FakeServer }> {
  const srv = await startServer(handler);
  servers.push(srv);
  return { client: new EdgevmClient({ url: srv.url, apiKey: "k" }), srv };
}

function sseHead(res: ServerResponse): void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  res.flushHeaders();
}

function sse(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

const START = {
  id: "job_1",
  region: "local-a",
  host: "host-1",
  vm: { id: "vm-7", start: "warm", memoryMiB: 128 },
};

async function collect(events: AsyncIterable<JobStreamEvent>): Promise<JobStreamEvent[]> {
  const out: JobStreamEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

describe("EdgevmClient.stream", () => {
  it("yields start, output and exit in order, with parsed data", async () => {
    const { client, srv } = await serve((_req, res) => {
      sseHead(res);
      res.write(sse("start", START));
      res.write(sse("stdout", { data: "hello\n" }));
      res.write(sse("stderr", { data: "warn\n" }));
      res.write(sse("stdout", { data: "bye\n" }));
      res.write(sse("exit", sampleResult));
      res.end();
    });
    const events = await collect(client.stream({ command: ["sh"] }, { region: "local-a" }));
    expect(events).toEqual([
      { type: "start", data: START },
      { type: "stdout", data: "hello\n" },
      { type: "stderr", data: "warn\n" },
      { type: "stdout", data: "bye\n" },
      { type: "exit", data: sampleResult },
    ]);
    const [seen] = srv.requests;
    expect(seen?.headers.accept).toBe("text/event-stream");
    expect(seen?.headers.authorization).toBe("Bearer k");
    expect(JSON.parse(seen?.body ?? "")).toEqual({ command: ["sh"], region: "local-a" });
  });

  it("delivers each event before the server has sent the next (no buffering)", async () => {
    const gotStdout = deferred();
    let exitSentAt = 0;
    const { client } = await serve(async (_req, res) => {
      sseHead(res);
      res.write(sse("start", START));
      res.write(sse("stdout", { data: "partial" }));
      // the exit is only sent once the client has seen the output: a buffering client deadlocks
      await Promise.race([gotStdout.promise, new Promise((r) => setTimeout(r, 3000))]);
      exitSentAt = Date.now();
      res.end(sse("exit", sampleResult));
    });
    const seenAt: Record<string, number> = {};
    for await (const event of client.stream({ command: ["sh"] })) {
      seenAt[event.type] = Date.now();
      if (event.type === "stdout") gotStdout.resolve();
    }
    expect(exitSentAt).toBeGreaterThan(0);
    expect(seenAt.start).toBeLessThanOrEqual(exitSentAt);
    expect(seenAt.stdout).toBeLessThanOrEqual(exitSentAt);
    // well under the 3 s fallback: the stdout event released the server
    expect((seenAt.exit ?? 0) - (seenAt.start ?? 0)).toBeLessThan(2000);
  });

  it("parses SSE split into tiny chunks, with CRLF, comments and multi-line data", async () => {
    const text = [
      ": hello\r\n",
      "event: start\r\ndata: ",
      JSON.stringify(START),
      "\r\n\r\n",
      'event: stdout\r\ndata: {"data":\r\ndata: "héllo ✓"}\r\n\r\n',
      `event: exit\r\ndata: ${JSON.stringify(sampleResult)}`, // no trailing blank line
    ].join("");
    const bytes = new TextEncoder().encode(text);
    const { client } = await serve(async (_req, res) => {
      sseHead(res);
      // 3-byte chunks: splits CRLFs, field names and the multi-byte UTF-8 characters
      for (let i = 0; i < bytes.length; i += 3) {
        res.write(bytes.subarray(i, i + 3));
        if (i % 30 === 0) await new Promise((r) => setTimeout(r, 1));
      }
      res.end();
    });
    expect(await collect(client.stream({ command: ["sh"] }))).toEqual([
      { type: "start", data: START },
      { type: "stdout", data: "héllo ✓" },
      { type: "exit", data: sampleResult },
    ]);
  });

  it("breaking out of the loop aborts the request on the server", async () => {
    const closed = deferred<boolean>();
    const { client } = await serve((req, res) => {
      sseHead(res);
      res.write(sse("start", START));
      res.write(sse("stdout", { data: "tick" }));
      const timer = setInterval(() => res.write(": still running\n\n"), 20);
      res.on("close", () => {
        clearInterval(timer);
        closed.resolve(res.writableEnded);
      });
      req.on("error", () => {});
    });
    const events: string[] = [];
    for await (const event of client.stream({ command: ["sleep", "60"] })) {
      events.push(event.type);
      if (event.type === "stdout") break;
    }
    expect(events).toEqual(["start", "stdout"]);
    const endedNormally = await Promise.race([
      closed.promise,
      new Promise<string>((r) => setTimeout(() => r("not closed"), 3000)),
    ]);
    // the server saw the connection go away without ever ending the response itself
    expect(endedNormally).toBe(false);
  });

  it("an error event is yielded and ends the stream", async () => {
    const { client } = await serve((_req, res) => {
      sseHead(res);
      res.write(sse("start", START));
      res.end(sse("error", { error: { code: "VM_CRASHED", message: "the VM died" } }));
    });
    expect(await collect(client.stream({ command: ["sh"] }))).toEqual([
      { type: "start", data: START },
      { type: "error", data: { code: "VM_CRASHED", message: "the VM died" } },
    ]);
  });

  it("base64 output is passed through as a string; unknown events are skipped", async () => {
    const { client } = await serve((_req, res) => {
      sseHead(res);
      res.write(sse("start", START));
      res.write(sse("progress", { pct: 50 }));
      res.write(sse("stdout", { data: "AAEC/w==" }));
      res.end(sse("exit", { ...sampleResult, outputEncoding: "base64", stdout: "AAEC/w==" }));
    });
    const events = await collect(client.stream({ command: ["sh"], outputEncoding: "base64" }));
    expect(events.map((e) => e.type)).toEqual(["start", "stdout", "exit"]);
    expect(events[1]).toEqual({ type: "stdout", data: "AAEC/w==" });
  });

  it("a stream that ends before exit throws EdgevmNetworkError", async () => {
    const { client } = await serve((_req, res) => {
      sseHead(res);
      res.end(sse("start", START));
    });
    const seen: string[] = [];
    const err = await (async () => {
      for await (const event of client.stream({ command: ["sh"] })) seen.push(event.type);
    })().catch((e: unknown) => e);
    expect(seen).toEqual(["start"]);
    expect(err).toBeInstanceOf(EdgevmNetworkError);
    expect((err as Error).message).toMatch(/before the job's exit/);
  });

  it("a rejection before the stream starts throws EdgevmApiError", async () => {
    const { client } = await serve((_req, res) =>
      sendError(res, 429, "QUEUE_FULL", "queue is full", { "retry-after": "4" }),
    );
    const err = await collect(client.stream({ command: ["sh"] })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EdgevmApiError);
    expect(err).toMatchObject({ status: 429, code: "QUEUE_FULL", retryAfterMs: 4000 });
  });

  it("the caller's signal aborts a running stream", async () => {
    const closed = deferred();
    const { client } = await serve((_req, res) => {
      sseHead(res);
      res.write(sse("start", START));
      res.on("close", () => closed.resolve());
    });
    const controller = new AbortController();
    const seen: string[] = [];
    const err = await (async () => {
      for await (const event of client.stream({ command: ["sh"] }, { signal: controller.signal })) {
        seen.push(event.type);
        setTimeout(() => controller.abort(new Error("stop")), 10);
      }
    })().catch((e: unknown) => e);
    expect(seen).toEqual(["start"]);
    expect((err as Error).message).toBe("stop");
    await closed.promise;
  });
});
