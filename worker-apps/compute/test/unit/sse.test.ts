import { describe, expect, it } from "vitest";
import { collectResult, guardStream, terminalEventOf } from "../../src/emulator/sse.js";

const enc = new TextEncoder();
const EXIT = `event: exit\ndata: ${JSON.stringify({ id: "job_1", status: "succeeded" })}\n\n`;

/** A stream of the given chunks that then ends, or errors when `fail` is set. */
function streamOf(chunks: string[], fail?: Error): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(enc.encode(chunk));
      if (fail) controller.error(fail);
      else controller.close();
    },
  });
}

describe("SSE helpers", () => {
  it("finds the terminal event", () => {
    const message = (event: string) => ({ event, data: "{}", id: undefined });
    expect(terminalEventOf(message("exit"))).toBe("exit");
    expect(terminalEventOf(message("error"))).toBe("error");
    expect(terminalEventOf(message("stdout"))).toBeUndefined();
  });

  it("guardStream: a terminal event split across chunks still ends the stream cleanly", async () => {
    const chunks = ["event: start\ndata: {}\n", "\nevent: ex", `it\ndata: {}\n\n`];
    const text = await new Response(guardStream(streamOf(chunks), "h1")).text();
    expect(text).toBe(chunks.join(""));
  });

  it("collectResult: the exit event's result, the host's error, or lost", async () => {
    expect(await collectResult(streamOf(["event: start\ndata: {}\n\n", EXIT]))).toEqual({
      kind: "result",
      result: { id: "job_1", status: "succeeded" },
    });
    const error = 'event: error\ndata: {"error":{"code":"JOB_TIMEOUT","message":"x"}}\n\n';
    expect(await collectResult(streamOf([error]))).toMatchObject({
      kind: "error",
      error: { error: { code: "JOB_TIMEOUT" } },
    });
    expect(await collectResult(streamOf(["event: start\ndata: {}\n\n"]))).toEqual({
      kind: "lost",
      cause: "its stream ended before the job's exit",
    });
    expect(await collectResult(streamOf([], new Error("Network connection lost.")))).toEqual({
      kind: "lost",
      cause: "Network connection lost.",
    });
  });

  it("guardStream passes a whole stream through unchanged", async () => {
    const text = `event: start\ndata: {}\n\n${EXIT}`;
    expect(await new Response(guardStream(streamOf([text]), "h1")).text()).toBe(text);
  });

  it("guardStream ends a broken stream with an error event HOST_LOST", async () => {
    const lost: string[] = [];
    const out = await new Response(
      guardStream(streamOf(["event: start\ndata: {}\n\n"], new Error("reset")), "h1", {
        onLost: (cause) => lost.push(cause),
        onEnd: () => lost.push("end"),
      }),
    ).text();
    expect(lost).toEqual(["reset", "end"]);
    const last = out.trimEnd().split("\n\n").at(-1) ?? "";
    expect(last.startsWith("event: error\ndata: ")).toBe(true);
    const body = JSON.parse(last.slice("event: error\ndata: ".length)) as {
      error: { code: string; message: string };
    };
    expect(body.error.code).toBe("HOST_LOST");
    expect(body.error.message).toMatch(/host h1 stopped answering .*\(reset\)/);
    // a stream that just ends early is lost too
    const early = await new Response(
      guardStream(streamOf(["event: start\ndata: {}\n\n"]), "h2"),
    ).text();
    expect(early).toMatch(/HOST_LOST/);
  });
});
