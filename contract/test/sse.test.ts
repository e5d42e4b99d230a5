import { describe, expect, it } from "vitest";
import { type SseMessage, SseParser } from "../src/sse.js";

function parseAll(chunks: string[]): SseMessage[] {
  const parser = new SseParser();
  const out = chunks.flatMap((chunk) => parser.push(chunk));
  return [...out, ...parser.end()];
}

const STREAM = [
  ": keep-alive comment",
  "event: start",
  'data: {"id":"j"}',
  "",
  "event: stdout",
  "data: line one",
  "data:line two",
  "data: ",
  "id: 7",
  "retry: 1000",
  "",
  "data",
  "",
  "event: exit",
  'data: {"status":"succeeded"}',
  "",
  "",
].join("\n");

const EXPECTED: SseMessage[] = [
  { event: "start", data: '{"id":"j"}', id: undefined },
  { event: "stdout", data: "line one\nline two\n", id: "7" },
  { event: "message", data: "", id: "7" },
  { event: "exit", data: '{"status":"succeeded"}', id: "7" },
];

describe("SseParser", () => {
  it("parses comments, multi-line data, fields without a value", () => {
    expect(parseAll([STREAM])).toEqual(EXPECTED);
  });

  it("gives the same events at every split point, for LF, CRLF and CR line ends", () => {
    for (const eol of ["\n", "\r\n", "\r"]) {
      const text = STREAM.replaceAll("\n", eol);
      for (let i = 0; i <= text.length; i++) {
        expect(
          parseAll([text.slice(0, i), text.slice(i)]),
          `eol ${JSON.stringify(eol)} split ${i}`,
        ).toEqual(EXPECTED);
      }
      expect(parseAll([...text])).toEqual(EXPECTED);
    }
  });

  it("emits an event only at its blank line", () => {
    const parser = new SseParser();
    expect(parser.push("event: stdout\ndata: a\n")).toEqual([]);
    expect(parser.push("\n")).toEqual([{ event: "stdout", data: "a", id: undefined }]);
  });

  it("dispatches a final event that has no trailing blank line", () => {
    expect(parseAll(["event: exit\ndata: {}"])).toEqual([
      { event: "exit", data: "{}", id: undefined },
    ]);
    expect(parseAll(["event: exit\r\ndata: {}\r"])).toEqual([
      { event: "exit", data: "{}", id: undefined },
    ]);
    expect(parseAll(["event: exit\n"])).toEqual([]);
  });

  it("keeps colons inside values and strips only one leading space", () => {
    expect(parseAll(["data:  a: b\n\n"])).toEqual([
      { event: "message", data: " a: b", id: undefined },
    ]);
  });
});

describe("SseParser with a long line in many small chunks", () => {
  it("joins it once it ends, and keeps every character", () => {
    const data = `{"data":"${"x".repeat(200_000)}"}`;
    const text = `event: stdout\r\ndata: ${data}\r\n\r\n`;
    const parser = new SseParser();
    const out: SseMessage[] = [];
    for (let i = 0; i < text.length; i += 7) out.push(...parser.push(text.slice(i, i + 7)));
    out.push(...parser.end());
    expect(out).toEqual([{ event: "stdout", data, id: undefined }]);
  });
});
