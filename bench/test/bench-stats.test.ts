import { describe, expect, it } from "vitest";
import { meets, percentile, renderTable, summary } from "../src/stats.js";

describe("percentile", () => {
  it("uses the nearest-rank method on sorted values", () => {
    const values = [5, 1, 4, 2, 3];
    expect(percentile(values, 50)).toBe(3);
    expect(percentile(values, 0)).toBe(1);
    expect(percentile(values, 20)).toBe(1);
    expect(percentile(values, 21)).toBe(2);
    expect(percentile(values, 100)).toBe(5);
    expect(percentile(values, 99)).toBe(5);
  });

  it("p99 of 1..100 is 99 and p50 is 50", () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 50)).toBe(50);
  });

  it("clamps out-of-range p", () => {
    expect(percentile([1, 2, 3], 150)).toBe(3);
    expect(percentile([1, 2, 3], -10)).toBe(1);
  });

  it("is NaN for no values and does not reorder the input", () => {
    expect(percentile([], 50)).toBeNaN();
    const values = [3, 1, 2];
    percentile(values, 50);
    expect(values).toEqual([3, 1, 2]);
  });

  it("sorts numerically, not lexically", () => {
    expect(percentile([10, 9, 100], 50)).toBe(10);
  });
});

describe("summary", () => {
  it("summarises values", () => {
    expect(summary([4, 1, 3, 2])).toEqual({ n: 4, p50: 2, p99: 4, min: 1, max: 4, mean: 2.5 });
  });

  it("is all NaN (n 0) for no values", () => {
    const s = summary([]);
    expect(s.n).toBe(0);
    for (const k of ["p50", "p99", "min", "max", "mean"] as const) expect(s[k]).toBeNaN();
  });
});

describe("meets", () => {
  it("checks <= and >= targets", () => {
    expect(meets({ metric: "m", value: 10, unit: "ms", target: { op: "<=", value: 10 } })).toBe(
      true,
    );
    expect(meets({ metric: "m", value: 11, unit: "ms", target: { op: "<=", value: 10 } })).toBe(
      false,
    );
    expect(meets({ metric: "m", value: 5, unit: "/s", target: { op: ">=", value: 5 } })).toBe(true);
    expect(meets({ metric: "m", value: 4, unit: "/s", target: { op: ">=", value: 5 } })).toBe(
      false,
    );
  });

  it("is undefined without a target or with a non-finite value", () => {
    expect(meets({ metric: "m", value: 1, unit: "ms" })).toBeUndefined();
    expect(
      meets({ metric: "m", value: Number.NaN, unit: "ms", target: { op: "<=", value: 1 } }),
    ).toBeUndefined();
  });
});

describe("renderTable", () => {
  const table = renderTable([
    {
      metric: "warm start p50",
      value: 12.345,
      unit: "ms",
      target: { op: "<=", value: 50 },
      baseline: 1234.5,
    },
    {
      metric: "throughput",
      value: 3,
      unit: "jobs/s",
      target: { op: ">=", value: 10 },
      note: "2 cores",
    },
    { metric: "boot", value: Number.NaN, unit: "ms" },
  ]);
  const lines = table.split("\n");

  it("has a header, a rule and one line per row", () => {
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/^metric\s+value\s+unit\s+target\s+met\s+vs naive\s+note$/);
    expect(lines[1]).toMatch(/^-+( +-+)+$/);
  });

  it("formats values, targets, met and ratio", () => {
    expect(lines[2]).toMatch(/^warm start p50\s+12\.3\s+ms\s+<= 50\s+yes\s+100× faster$/);
    expect(lines[3]).toMatch(/^throughput\s+3\.00\s+jobs\/s\s+>= 10\s+NO\s+2 cores$/);
    expect(lines[4]).toMatch(/^boot\s+—\s+ms$/);
  });

  it("aligns columns and trims trailing spaces", () => {
    const valueCol = (lines[0] ?? "").indexOf("value");
    for (const line of lines.slice(2)) expect(line.charAt(valueCol - 1)).toBe(" ");
    for (const line of lines) expect(line).toBe(line.trimEnd());
    expect(lines[2]?.indexOf("12.3")).toBe(valueCol);
    expect(lines[3]?.indexOf("3.00")).toBe(valueCol);
  });

  it("renders just the header for no rows", () => {
    expect(renderTable([]).split("\n")).toHaveLength(2);
  });
});
