import { describe, expect, it } from "vitest";
import {
  MAX_CODE_BYTES,
  MAX_STDIN_BYTES,
  parseJsonRunInput,
  parseRawRunInput,
  validateRunInput,
} from "../src/input.js";
import { buildRunJob, commandFor, RUN_TIMEOUT_MS } from "../src/job.js";

describe("validateRunInput", () => {
  it("accepts sh and awk, defaulting to sh", () => {
    expect(validateRunInput({ language: "awk", code: "{print}", stdin: "x" })).toEqual({
      ok: true,
      value: { language: "awk", code: "{print}", stdin: "x" },
    });
    expect(validateRunInput({ language: undefined, code: "echo", stdin: undefined })).toEqual({
      ok: true,
      value: { language: "sh", code: "echo" },
    });
  });

  it.each([
    [{ language: "python", code: "print(1)" }, /unknown language "python": use one of sh, awk/],
    [{ language: "SH", code: "echo" }, /unknown language "SH"/],
    [{ language: 3, code: "echo" }, /unknown language 3/],
    [{ language: "sh", code: undefined }, /code is required/],
    [{ language: "sh", code: 42 }, /code is required and must be a string/],
    [{ language: "sh", code: "" }, /code must not be empty/],
    [{ language: "sh", code: "  \n\t" }, /code must not be empty/],
    [{ language: "sh", code: "echo\0" }, /NUL/],
    [{ language: "sh", code: "echo", stdin: 5 }, /stdin must be a string/],
  ])("rejects %j", (fields, message) => {
    const parsed = validateRunInput({ stdin: undefined, ...fields });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toMatch(message);
  });

  it("limits code to 64 KiB of UTF-8 and stdin to 256 KiB", () => {
    const fits = "a".repeat(MAX_CODE_BYTES);
    expect(validateRunInput({ language: "sh", code: fits, stdin: undefined }).ok).toBe(true);
    expect(validateRunInput({ language: "sh", code: `${fits}a`, stdin: undefined })).toEqual({
      ok: false,
      message: "code must be at most 65536 bytes",
    });
    // 2 bytes per "é": half the characters already fill the limit
    const wide = "é".repeat(MAX_CODE_BYTES / 2 + 1);
    expect(validateRunInput({ language: "sh", code: wide, stdin: undefined }).ok).toBe(false);
    const stdin = "x".repeat(MAX_STDIN_BYTES + 1);
    expect(validateRunInput({ language: "sh", code: "cat", stdin })).toEqual({
      ok: false,
      message: "stdin must be at most 262144 bytes",
    });
  });
});

describe("parseJsonRunInput / parseRawRunInput", () => {
  it("takes ?language= when the JSON body has none", () => {
    expect(parseJsonRunInput({ code: "{print}" }, "awk")).toEqual({
      ok: true,
      value: { language: "awk", code: "{print}" },
    });
    expect(parseJsonRunInput({ language: "sh", code: "echo" }, "awk")).toMatchObject({
      value: { language: "sh" },
    });
  });

  it("rejects non-objects and unknown fields", () => {
    expect(parseJsonRunInput([1], undefined)).toMatchObject({ ok: false });
    expect(parseJsonRunInput("echo", undefined)).toMatchObject({ ok: false });
    expect(parseJsonRunInput({ code: "echo", langauge: "awk" })).toEqual({
      ok: false,
      message: "unknown field(s): langauge",
    });
  });

  it("uses the whole raw body as code", () => {
    expect(parseRawRunInput("echo a\necho b\n", "sh")).toEqual({
      ok: true,
      value: { language: "sh", code: "echo a\necho b\n" },
    });
    expect(parseRawRunInput("", "sh")).toMatchObject({ ok: false });
  });
});

describe("buildRunJob", () => {
  it("passes the code as one argv entry after --, never through a shell string", () => {
    expect(commandFor({ language: "sh", code: "-x; echo 'a b'" })).toEqual([
      "sh",
      "-c",
      "--",
      "-x; echo 'a b'",
    ]);
    expect(commandFor({ language: "awk", code: "-1 {print $2}" })).toEqual([
      "awk",
      "--",
      "-1 {print $2}",
    ]);
  });

  it("adds stdin only when given, with the fixed timeout and the request id", () => {
    expect(buildRunJob({ language: "awk", code: "{print}", stdin: "" }, "r1")).toEqual({
      command: ["awk", "--", "{print}"],
      stdin: "",
      timeoutMs: RUN_TIMEOUT_MS,
      requestId: "r1",
    });
    expect(buildRunJob({ language: "sh", code: "true" }, "r2")).toEqual({
      command: ["sh", "-c", "--", "true"],
      timeoutMs: 10_000,
      requestId: "r2",
    });
  });
});
