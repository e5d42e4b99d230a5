/** Pure: the load benchmark's per-step statistics as rows of the bench table. */
import { capacityEstimate, type StepStats } from "./load-plan.js";
import type { Row } from "./stats.js";

/** the issue's target: p99 back under 2× the previous step's steady p99 this soon after a 10× step */
export const RECOVERY_TARGET_S = 5;

/** Pure: the printed rows of the per-step statistics. */
export function loadRows(stats: readonly StepStats[]): Row[] {
  const capacity = capacityEstimate(stats);
  const rows: Row[] = [];
  stats.forEach((s, i) => {
    const underCapacity = capacity === undefined || s.offeredRate < 0.9 * capacity;
    const prev = stats[i - 1];
    const ratio = prev ? s.offeredRate / prev.offeredRate : 1;
    const label = `step ${i + 1} (${s.offeredRate}/s)`;
    rows.push(
      {
        metric: `${label}: completed`,
        value: s.completedRate,
        unit: "jobs/s",
        note: `${s.arrivals} arrived (${s.arrivedRate.toFixed(1)}/s), ${s.succeeded} succeeded`,
      },
      {
        metric: `${label}: latency p50`,
        value: s.p50Ms,
        unit: "ms",
        note: `p99 ${Math.round(s.p99Ms)} ms, steady p99 ${Math.round(s.steadyP99Ms)} ms`,
      },
      {
        metric: `${label}: refused (429/503)`,
        value: s.refused,
        unit: "jobs",
        ...(underCapacity ? { target: { op: "<=" as const, value: 0 } } : {}),
        note: `${s.failed} failed, ${s.errors} errors; ${underCapacity ? "offered < 0.9 × capacity" : "offered over capacity"}${capacity === undefined ? "" : ` (~${capacity.toFixed(1)} jobs/s)`}`,
      },
      { metric: `${label}: lost`, value: s.lost, unit: "jobs", target: { op: "<=", value: 0 } },
    );
    if (s.recovery)
      rows.push({
        metric: `${label}: recovery after ${ratio.toFixed(ratio >= 10 ? 0 : 1)}× step up`,
        value: s.recovery.seconds ?? Number.NaN,
        unit: "s",
        ...(ratio >= 10 ? { target: { op: "<=" as const, value: RECOVERY_TARGET_S } } : {}),
        note: `p99 per 1 s < ${Math.round(s.recovery.thresholdMs)} ms${s.recovery.seconds === null ? ": never within the step" : ""}`,
      });
  });
  return rows;
}
