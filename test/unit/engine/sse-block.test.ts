import { describe, expect, it } from "vitest";
import { parseSseBlock } from "../../../emulator-service/src/client/index.js";

describe("parseSseBlock", () => {
  it("parses event and data", () => {
    expect(parseSseBlock('event: stdout\ndata: {"data":"aGk="}')).toEqual({
      event: "stdout",
      data: { data: "aGk=" },
    });
  });

  it("joins multi-line data with newlines before parsing", () => {
    const block = 'event: start\ndata: {"id":"j1",\ndata: "region":"local"}';
    expect(parseSseBlock(block)).toEqual({ event: "start", data: { id: "j1", region: "local" } });
  });

  it("joins data lines with a newline (JSON whitespace between tokens)", () => {
    // a data line of `[1,` and one of `2]` is `[1,\n2]` → valid JSON
    expect(parseSseBlock("event: exit\ndata: [1,\ndata: 2]")?.data).toEqual([1, 2]);
  });

  it("defaults the event name to message", () => {
    expect(parseSseBlock('data: {"a":1}')).toEqual({ event: "message", data: { a: 1 } });
  });

  it("accepts data without a space after the colon and ignores comments and unknown fields", () => {
    expect(parseSseBlock(': keep-alive\nid: 7\nretry: 100\nevent:exit\ndata:{"x":true}')).toEqual({
      event: "exit",
      data: { x: true },
    });
  });

  it("returns undefined when there is no data", () => {
    expect(parseSseBlock("event: stdout")).toBeUndefined();
    expect(parseSseBlock(": comment only")).toBeUndefined();
    expect(parseSseBlock("")).toBeUndefined();
  });
});
