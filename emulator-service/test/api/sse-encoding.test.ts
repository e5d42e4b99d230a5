import { describe, expect, it } from "vitest";
import { bytes, fakeResult } from "./fake-runner.js";
import { makeApp, signedInit } from "./helpers.js";
import { readSse, type SseEvent } from "./sse-client.js";

async function collect(outputEncoding: string, chunks: Uint8Array[]): Promise<SseEvent[]> {
  const { app, runner } = makeApp();
  runner.script = async (_spec, emit) => {
    const result = fakeResult();
    emit({ type: "start", id: "j", region: "r", host: "h", vm: result.vm });
    for (const data of chunks) emit({ type: "stdout", data });
    emit({ type: "exit", result });
    return result;
  };
  const body = JSON.stringify({ command: ["cat"], outputEncoding });
  const init = await signedInit("/v1/jobs", { body, headers: { accept: "text/event-stream" } });
  const res = await app.request("/v1/jobs", init);
  const events: SseEvent[] = [];
  for await (const e of readSse(res.body as ReadableStream<Uint8Array>)) events.push(e);
  return events;
}

const dataOf = (events: SseEvent[]) =>
  events
    .filter((e) => e.event === "stdout")
    .map((e) => (JSON.parse(e.data) as { data: string }).data);

describe("SSE output encoding", () => {
  it("keeps a UTF-8 character split across chunks intact", async () => {
    const euro = bytes("€"); // 3 bytes
    const events = await collect("utf8", [euro.subarray(0, 1), euro.subarray(1), bytes("\n")]);
    expect(dataOf(events).join("")).toBe("€\n");
    expect(events.at(-1)?.event).toBe("exit");
  });

  it("flushes an incomplete trailing character before exit", async () => {
    const events = await collect("utf8", [bytes("ok"), new Uint8Array([0xe2])]);
    expect(dataOf(events)).toEqual(["ok", "\uFFFD"]);
  });

  it("sends base64 per chunk in base64 mode", async () => {
    const events = await collect("base64", [new Uint8Array([0, 255, 1]), bytes("hi")]);
    expect(dataOf(events)).toEqual(["AP8B", "aGk="]);
  });

  it("writes multi-line data as a single JSON line", async () => {
    const events = await collect("utf8", [bytes("a\nb\n\nc")]);
    expect(dataOf(events)).toEqual(["a\nb\n\nc"]);
  });
});
