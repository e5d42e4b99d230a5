import { describe, expect, it } from "vitest";
import { buildPipelineJob } from "../src/job.js";
import { buildPipeline, MAX_STEPS } from "../src/pipeline.js";
import { checkSubstitution, parseStep } from "../src/steps.js";

describe("parseStep", () => {
  it.each([
    ["grep:error", ["grep", "-e", "error"]],
    ["grep:-v", ["grep", "-e", "-v"]],
    ["grep-i:warn", ["grep", "-i", "-e", "warn"]],
    ["grep-v:^#", ["grep", "-v", "-e", "^#"]],
    ["grep:a:b", ["grep", "-e", "a:b"]],
    ["sort", ["sort"]],
    ["sort -nr", ["sort", "-n", "-r"]],
    ["uniq -c", ["uniq", "-c"]],
    ["head:10", ["head", "-n", "10"]],
    ["tail:3", ["tail", "-n", "3"]],
    ["wc", ["wc"]],
    ["wc -l", ["wc", "-l"]],
    ["tr-lower", ["tr", "A-Z", "a-z"]],
    ["tr-upper", ["tr", "a-z", "A-Z"]],
    ["sed:s/a/b/", ["sed", "-e", "s/a/b/"]],
    ["sed:s|/usr|/opt|g", ["sed", "-e", "s|/usr|/opt|g"]],
    ["sed:s/a\\/b/c/2", ["sed", "-e", "s/a\\/b/c/2"]],
  ])("%s → %j", (spec, argv) => {
    const parsed = parseStep(spec);
    expect(parsed).toMatchObject({ ok: true, value: { step: spec, argv } });
  });

  it("describes each step", () => {
    expect(parseStep("grep:err")).toMatchObject({
      value: { description: 'keep lines matching the regex "err"' },
    });
    expect(parseStep("head:5")).toMatchObject({ value: { description: "keep the first 5 lines" } });
  });

  it.each([
    ["rm -rf /", /unknown step: use one of grep:<regex>/],
    ["sort -k2", /unknown step/],
    [":x", /unknown step/],
    ["grep:", /needs an argument/],
    ["grep:a\nb", /one line/],
    ["head:0", /whole number/],
    ["head:-1", /whole number/],
    ["head:1e3", /whole number/],
    ["head:99999999", /whole number/],
    ["sed:s/a/b/e", /flags "e" are not allowed/],
    ["sed:s/a/b/w /etc/passwd", /flags "w \/etc\/passwd" are not allowed/],
    ["sed:s/a/b/;e id", /flags ";e id" are not allowed/],
    ["sed:s/a/b", /one substitution/],
    ["sed:y/ab/ba/", /one substitution/],
    ["sed:1d", /one substitution/],
    ["sed:sxaxbx", /one substitution/],
    [`grep:${"a".repeat(1025)}`, /at most 1024 characters/],
  ])("rejects %j", (spec, message) => {
    const parsed = parseStep(spec);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toMatch(message);
  });

  it("checkSubstitution accepts only s with g/i/I/number flags", () => {
    expect(checkSubstitution("s/a/b/gI3")).toBeUndefined();
    expect(checkSubstitution("s#a#b#p")).toMatch(/not allowed/);
  });
});

describe("buildPipeline", () => {
  it("quotes every word and feeds the input file to the first step", () => {
    expect(buildPipeline(["grep:error", "sort", "uniq -c", "sort -nr", "head:3"])).toEqual({
      ok: true,
      value: {
        script:
          "'grep' '-e' 'error' < '/work/input.txt' | 'sort' | 'uniq' '-c' | 'sort' '-n' '-r' | 'head' '-n' '3'",
        steps: [
          { step: "grep:error", argv: ["grep", "-e", "error"], description: expect.any(String) },
          { step: "sort", argv: ["sort"], description: "sort lines" },
          { step: "uniq -c", argv: ["uniq", "-c"], description: "count repeated adjacent lines" },
          { step: "sort -nr", argv: ["sort", "-n", "-r"], description: expect.any(String) },
          { step: "head:3", argv: ["head", "-n", "3"], description: "keep the first 3 lines" },
        ],
      },
    });
  });

  it("keeps hostile patterns inside one quoted word", () => {
    const built = buildPipeline(["grep:'; rm -rf / #", "sed:s/$(id)/`x`/g"]);
    expect(built.ok && built.value.script).toBe(
      "'grep' '-e' ''\\''; rm -rf / #' < '/work/input.txt' | 'sed' '-e' 's/$(id)/`x`/g'",
    );
  });

  it("needs 1 to 16 known steps", () => {
    expect(buildPipeline([])).toEqual({ ok: false, message: "give at least one step" });
    expect(buildPipeline(Array(MAX_STEPS + 1).fill("sort"))).toEqual({
      ok: false,
      message: "at most 16 steps",
    });
    expect(buildPipeline(["sort", "cat /etc/shadow"])).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^step "cat \/etc\/shadow": unknown step/),
    });
  });
});

describe("buildPipelineJob", () => {
  it("runs the script with sh -c over the text as /work/input.txt", () => {
    const built = buildPipeline(["wc -l"]);
    if (!built.ok) throw new Error(built.message);
    expect(buildPipelineJob(built.value, "a\nb\n", "r1")).toEqual({
      command: ["sh", "-c", "'wc' '-l' < '/work/input.txt'"],
      files: { "/work/input.txt": "a\nb\n" },
      timeoutMs: 15_000,
      requestId: "r1",
    });
  });
});
