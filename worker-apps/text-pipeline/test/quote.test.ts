import { describe, expect, it } from "vitest";
import { shJoin, shQuote } from "../src/quote.js";

describe("shQuote", () => {
  it.each([
    ["plain", "'plain'"],
    ["", "''"],
    ["it's", "'it'\\''s'"],
    ["''", "''\\'''\\'''"],
    ['$(rm -rf /) `id` $HOME \\ "x" ; | & > *', "'$(rm -rf /) `id` $HOME \\ \"x\" ; | & > *'"],
  ])("%j → %s", (word, quoted) => {
    expect(shQuote(word)).toBe(quoted);
  });

  it("joins an argv into quoted words", () => {
    expect(shJoin(["grep", "-e", "a b"])).toBe("'grep' '-e' 'a b'");
  });
});

/**
 * A tiny model of how a POSIX shell reads single-quoted words: outside quotes only `\x` and
 * whitespace are special here (the quoter never emits anything else), inside `'…'` nothing is.
 */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] ?? "";
    if (ch === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error("unterminated quote");
      word = (word ?? "") + line.slice(i + 1, end);
      i = end;
    } else if (ch === "\\") {
      word = (word ?? "") + (line[++i] ?? "");
    } else if (ch === " ") {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else {
      throw new Error(`unquoted ${JSON.stringify(ch)} at ${i}`);
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

describe("quoting round trip", () => {
  it("reads back every argv exactly, whatever it contains", () => {
    const nasty = ["'", "a'b'c", "'; rm -rf / #", "$(id)", "`id`", "\\'", "x\ny", " ", "", "-e"];
    expect(shellWords(shJoin(nasty))).toEqual(nasty);
  });
});
