import { describe, expect, it } from "vitest";
import type { JobRecord } from "../src/load-plan.js";
import { parseSteps, stepStatistics } from "../src/load-plan.js";
import { loadRows } from "../src/load-report.js";
import { meets, renderTable } from "../src/stats.js";

const ok = (step: number, arrivalMs: number, latencyMs: number): JobRecord => ({
  step,
  arrivalMs,
  latencyMs,
  outcome: "succeeded",
});

describe("loadRows", () => {
  const steps = parseSteps("1:10,10:10,2:10");
  const jobs: JobRecord[] = [
    ...Array.from({ length: 10 }, (_, i) => ok(0, i * 1000, 20)),
    // step 2 falls behind: slow answers, 40 of 100 still running at its end, and 5 refused
    ...Array.from({ length: 100 }, (_, i) => ok(1, 10_000 + i * 100, i < 30 ? 900 : 30)),
    ...Array.from(
      { length: 5 },
      (_, i): JobRecord => ({
        step: 1,
        arrivalMs: 15_000 + i,
        latencyMs: 2,
        outcome: "refused",
      }),
    ),
    ok(2, 25_000, 20),
    { step: 2, arrivalMs: 26_000, latencyMs: 2, outcome: "refused" },
  ];
  const rows = loadRows(stepStatistics(steps, jobs));
  const row = (metric: string) => rows.find((r) => r.metric === metric);

  it("targets zero lost on every step", () => {
    const lost = rows.filter((r) => r.metric.endsWith(": lost"));
    expect(lost).toHaveLength(3);
    for (const r of lost) expect(meets(r)).toBe(true);
  });

  it("puts the 5 s recovery target only on a 10× step up", () => {
    const recovery = row("step 2 (10/s): recovery after 10× step up");
    expect(recovery?.target).toEqual({ op: "<=", value: 5 });
    // slow until 13 s, but the refusals at 15 s count as infinitely slow: back for good at 16 s
    expect(recovery?.value).toBe(6);
    expect(meets(recovery ?? { metric: "", value: Number.NaN, unit: "" })).toBe(false);
    expect(rows.some((r) => r.metric.startsWith("step 3") && r.metric.includes("recovery"))).toBe(
      false,
    );
  });

  it("expects no refusals only where the offered rate is under the observed capacity", () => {
    expect(row("step 1 (1/s): refused (429/503)")?.target).toEqual({ op: "<=", value: 0 });
    expect(row("step 2 (10/s): refused (429/503)")?.target).toBeUndefined();
    const step3 = row("step 3 (2/s): refused (429/503)");
    expect(step3?.value).toBe(1);
    expect(step3 && meets(step3)).toBe(false);
  });

  it("renders as a table", () => {
    expect(renderTable(rows)).toContain("step 2 (10/s): latency p50");
  });
});
