import { describe, expect, it } from "vitest";
import {
  createConsoleReporter,
  formatProgress,
  type ImageProgress,
} from "../../src/images/progress.js";

const base = { image: "base", steps: 6 };
const run = (interactive: boolean, events: ImageProgress[]) => {
  let out = "";
  const report = createConsoleReporter({
    stream: { write: (t: string) => (out += t) },
    interactive,
  });
  for (const e of events) report(e);
  return out;
};
const extraction: ImageProgress[] = [
  { ...base, step: 2, label: "extracting vmlinux from vmlinuz-6.1.0-56-amd64" },
  ...[10, 24, 26, 34, 51, 77, 99].map((percent) => ({
    ...base,
    step: 2,
    label: "extracting vmlinux from vmlinuz-6.1.0-56-amd64",
    percent,
  })),
  {
    ...base,
    step: 2,
    label: "extracting vmlinux from vmlinuz-6.1.0-56-amd64",
    percent: 100,
    done: true,
    elapsedMs: 712,
  },
  { ...base, step: 3, label: "reading 10 kernel modules" },
  { ...base, step: 3, label: "reading 10 kernel modules", percent: 100, done: true, elapsedMs: 4 },
];

describe("progress formatting", () => {
  it("formats start, percent and done lines", () => {
    const e = { ...base, step: 2, label: "extracting vmlinux from vmlinuz-6.1.0-56-amd64" };
    expect(formatProgress(e)).toBe(
      "[image base] 2/6 extracting vmlinux from vmlinuz-6.1.0-56-amd64 …",
    );
    expect(formatProgress({ ...e, percent: 34.7 })).toBe(
      "[image base] 2/6 extracting vmlinux from vmlinuz-6.1.0-56-amd64 … 34%",
    );
    expect(formatProgress({ ...e, done: true, elapsedMs: 712 })).toBe(
      "[image base] 2/6 extracting vmlinux from vmlinuz-6.1.0-56-amd64 … done (0.71 s)",
    );
  });

  it("prints one line per step and per 25 % when not interactive", () => {
    expect(run(false, extraction).split("\n")).toEqual([
      "[image base] 2/6 extracting vmlinux from vmlinuz-6.1.0-56-amd64 …",
      "[image base] 2/6 extracting vmlinux from vmlinuz-6.1.0-56-amd64 … 25%",
      "[image base] 2/6 extracting vmlinux from vmlinuz-6.1.0-56-amd64 … 50%",
      "[image base] 2/6 extracting vmlinux from vmlinuz-6.1.0-56-amd64 … 75%",
      "[image base] 2/6 extracting vmlinux from vmlinuz-6.1.0-56-amd64 … done (0.71 s)",
      "[image base] 3/6 reading 10 kernel modules …",
      "",
    ]);
  });

  it("rewrites the line in place when interactive", () => {
    const out = run(true, extraction);
    expect(out.split("\n")).toHaveLength(3);
    expect(out).toContain(
      "\r\x1b[K[image base] 2/6 extracting vmlinux from vmlinuz-6.1.0-56-amd64 … 34%",
    );
    expect(out).toContain("… done (0.71 s)\n");
    expect(out.endsWith("[image base] 3/6 reading 10 kernel modules … done (0.00 s)\n")).toBe(true);
  });
});
