import { describe, expect, it } from "vitest";
import { combine, parseJsonBody, stepsFrom } from "../src/input.js";
import type { Parsed } from "../src/steps.js";

describe("stepsFrom", () => {
  it("takes repeated step values or one JSON array", () => {
    expect(stepsFrom(["sort", "uniq -c"], undefined)).toEqual({
      ok: true,
      value: ["sort", "uniq -c"],
    });
    expect(stepsFrom([], '["grep:a,b","wc"]')).toEqual({ ok: true, value: ["grep:a,b", "wc"] });
    expect(stepsFrom([], undefined)).toBeUndefined();
  });

  it("rejects both forms at once and non-arrays", () => {
    expect(stepsFrom(["sort"], '["wc"]')).toMatchObject({ ok: false });
    expect(stepsFrom([], "sort")).toEqual({
      ok: false,
      message: "steps must be a JSON array of strings",
    });
    expect(stepsFrom([], "[1]")).toMatchObject({ ok: false });
  });
});

describe("combine / parseJsonBody", () => {
  const query: Parsed<string[]> = { ok: true, value: ["wc"] };

  it("prefers the body's steps over the query's", () => {
    expect(combine("t", { ok: true, value: ["sort"] }, query)).toEqual({
      ok: true,
      value: { text: "t", steps: ["sort"] },
    });
    expect(combine("t", undefined, query)).toEqual({
      ok: true,
      value: { text: "t", steps: ["wc"] },
    });
  });

  it("needs text and steps", () => {
    expect(combine(undefined, undefined, query)).toMatchObject({
      ok: false,
      message: expect.stringMatching(/no text/),
    });
    expect(combine("t", undefined, undefined)).toMatchObject({
      ok: false,
      message: expect.stringMatching(/no steps/),
    });
  });

  it("reads { text, steps } and rejects anything else", () => {
    expect(parseJsonBody({ text: "x", steps: ["sort"] }, undefined)).toEqual({
      ok: true,
      value: { text: "x", steps: ["sort"] },
    });
    expect(parseJsonBody({ text: "x", steps: "sort" }, undefined)).toMatchObject({ ok: false });
    expect(parseJsonBody({ text: "x", step: ["sort"] }, undefined)).toEqual({
      ok: false,
      message: "unknown field(s): step",
    });
    expect(parseJsonBody(["x"], undefined)).toMatchObject({ ok: false });
  });
});
