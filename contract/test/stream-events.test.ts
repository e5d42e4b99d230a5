import { describe, expect, it } from "vitest";
import { parseStreamEvent, parseStreamEvents, streamEventSchema } from "../src/index.js";
import { sampleJobResult } from "./fixtures.js";

const RESULT = sampleJobResult({ stdout: "hi\n" });

describe("job stream events", () => {
  it("parses a whole stream in order, skipping comments and non-job messages", () => {
    const text = [
      ": keep-alive",
      "event: start",
      'data: {"id":"job_1","region":"local","host":"h1","vm":{"id":"vm-1","start":"warm","memoryMiB":128}}',
      "",
      "event: stdout",
      'data: {"data":"hi\\n"}',
      "",
      'data: {"not":"a job event"}',
      "",
      "event: exit",
      `data: ${JSON.stringify(RESULT)}`,
      "",
      "",
    ].join("\n");
    const events = parseStreamEvents(text);
    expect(events.map((e) => e.event)).toEqual(["start", "stdout", "exit"]);
    for (const event of events) expect(streamEventSchema.parse(event)).toEqual(event);
  });

  it("joins multi-line data before parsing the JSON", () => {
    expect(parseStreamEvent({ event: "stderr", data: '{"data":\n"x"}' })).toEqual({
      event: "stderr",
      data: { data: "x" },
    });
  });

  it("ignores unknown event names", () => {
    expect(parseStreamEvent({ event: "message", data: "{}" })).toBeUndefined();
  });

  it("the schema refuses an exit event whose result is malformed", () => {
    const bad = { event: "exit", data: { ...RESULT, status: "done" } };
    expect(streamEventSchema.safeParse(bad).success).toBe(false);
  });

  it("an error event carries a known code", () => {
    const ok = { event: "error", data: { error: { code: "HOST_LOST", message: "gone" } } };
    expect(streamEventSchema.parse(ok)).toEqual(ok);
    const unknown = { event: "error", data: { error: { code: "NOPE", message: "?" } } };
    expect(streamEventSchema.safeParse(unknown).success).toBe(false);
  });
});
