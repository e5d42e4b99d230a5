import { describe, expect, it } from "vitest";
import {
  decadeTicks,
  type LoadChart,
  linearScale,
  logScale,
  niceTicks,
  renderLoadSvg,
} from "../src/svg.js";

describe("scales", () => {
  it("linear maps the domain onto the range, inverted ranges too", () => {
    const s = linearScale(0, 10, 100, 0);
    expect(s(0)).toBe(100);
    expect(s(10)).toBe(0);
    expect(s(2.5)).toBe(75);
  });

  it("a zero-width domain maps to the middle, not NaN", () => {
    expect(linearScale(5, 5, 0, 100)(5)).toBe(50);
  });

  it("log puts decades evenly and clamps out-of-domain values", () => {
    const s = logScale(10, 10_000, 300, 0);
    expect(s(10)).toBe(300);
    expect(s(100)).toBeCloseTo(200);
    expect(s(1000)).toBeCloseTo(100);
    expect(s(10_000)).toBeCloseTo(0);
    expect(s(0)).toBe(300);
    expect(s(-5)).toBe(300);
    expect(s(1e9)).toBeCloseTo(0);
  });

  it("nice ticks are round, start at 0 and cover the maximum", () => {
    expect(niceTicks(8, 4)).toEqual([0, 2, 4, 6, 8]);
    expect(niceTicks(57, 10)).toEqual([0, 10, 20, 30, 40, 50, 60]);
    expect(niceTicks(0.7, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8]);
    expect(niceTicks(0)).toEqual([0, 1]);
    expect(niceTicks(Number.NaN)).toEqual([0, 1]);
  });

  it("decade ticks span min to max", () => {
    expect(decadeTicks(22, 17_000)).toEqual([10, 100, 1000, 10_000, 100_000]);
    expect(decadeTicks(10, 100)).toEqual([10, 100]);
  });
});

const chart: LoadChart = {
  title: "load <test> & co",
  durationMs: 20_000,
  loadEndMs: 20_000,
  steps: [
    { startMs: 0, rate: 1 },
    { startMs: 10_000, rate: 10 },
  ],
  pool: [
    { tMs: 0, warm: 2, spawned: 2, targetWarm: 2, busy: 0, queue: 0 },
    { tMs: 10_250, warm: 0, spawned: 1, targetWarm: 4, busy: 8, queue: 5 },
    { tMs: 21_000, warm: 3, spawned: 2, busy: 0, queue: 0 },
  ],
  jobs: [
    { tMs: 500, latencyMs: 22, ok: true },
    { tMs: 10_100, latencyMs: 3_000, ok: true },
    { tMs: 10_200, latencyMs: 40, ok: false },
    { tMs: 10_300, ok: false },
  ],
  p99: [
    { tMs: 500, p99Ms: 22 },
    { tMs: 10_500, p99Ms: Number.POSITIVE_INFINITY },
  ],
};

describe("renderLoadSvg", () => {
  const svg = renderLoadSvg(chart);

  it("is one svg element with balanced tags and escaped text", () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
    expect(svg.match(/<svg/g)).toHaveLength(1);
    const opened = (svg.match(/<text[ >]/g) ?? []).length;
    expect((svg.match(/<\/text>/g) ?? []).length).toBe(opened);
    expect(svg).toContain("load &lt;test&gt; &amp; co");
    // no stray markup characters inside text
    for (const t of svg.match(/<text[^>]*>([^<]*)<\/text>/g) ?? [])
      expect(t).not.toMatch(/>[^<]*[<>][^<]*</);
  });

  it("has no NaN, Infinity or undefined anywhere", () => {
    expect(svg).not.toMatch(/NaN|Infinity|undefined/);
  });

  it("labels both panels and the axes, and marks the steps", () => {
    expect(svg).toContain("pool size");
    expect(svg).toContain("job latency");
    expect(svg).toContain("time since start of run (s)");
    expect(svg).toContain("latency (log)");
    expect(svg).toContain(">1/s<");
    expect(svg).toContain(">10/s<");
    expect(svg).toContain("load ends");
    expect(svg).toContain(">100 ms<");
    expect(svg).toContain(">1 s<");
  });

  it("draws one dot per answered ok job and a cross for the others", () => {
    expect(svg.match(/<circle/g)).toHaveLength(2);
    expect(svg.match(/<path d="M/g)).toHaveLength(2);
  });

  it("keeps every coordinate inside the canvas", () => {
    const [, w, h] = /width="(\d+)" height="(\d+)"/.exec(svg) ?? [];
    const coords = [...svg.matchAll(/\b(?:x|x1|x2|cx)="(-?[\d.]+)"/g)].map((m) => Number(m[1]));
    for (const x of coords) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThanOrEqual(Number(w));
    }
    const ys = [...svg.matchAll(/\b(?:y|y1|y2|cy)="(-?[\d.]+)"/g)].map((m) => Number(m[1]));
    for (const y of ys) {
      expect(y).toBeGreaterThanOrEqual(0);
      expect(y).toBeLessThanOrEqual(Number(h));
    }
  });

  it("renders an empty run without NaN", () => {
    const empty = renderLoadSvg({
      title: "empty",
      durationMs: 0,
      steps: [],
      pool: [],
      jobs: [],
      p99: [],
    });
    expect(empty).not.toMatch(/NaN|Infinity|undefined/);
    expect(empty.trimEnd().endsWith("</svg>")).toBe(true);
  });
});
