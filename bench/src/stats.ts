/** Pure statistics for the benchmark. */

export function percentile(values: readonly number[], p: number): number {
  if (!values.length) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

export function summary(values: readonly number[]): {
  n: number;
  p50: number;
  p99: number;
  min: number;
  max: number;
  mean: number;
} {
  const n = values.length;
  return {
    n,
    p50: percentile(values, 50),
    p99: percentile(values, 99),
    min: n ? Math.min(...values) : Number.NaN,
    max: n ? Math.max(...values) : Number.NaN,
    mean: n ? values.reduce((a, b) => a + b, 0) / n : Number.NaN,
  };
}

export interface Row {
  metric: string;
  value: number;
  unit: string;
  target?: { op: "<=" | ">="; value: number };
  /** naive baseline value of the same unit, for the ratio column */
  baseline?: number;
  note?: string;
}

export function meets(row: Row): boolean | undefined {
  if (!row.target || !Number.isFinite(row.value)) return undefined;
  return row.target.op === "<=" ? row.value <= row.target.value : row.value >= row.target.value;
}

function fmt(n: number): string {
  if (!Number.isFinite(n)) return "—";
  if (Math.abs(n) >= 100) return n.toFixed(0);
  if (Math.abs(n) >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

/** Pure: the printed table. */
export function renderTable(rows: readonly Row[]): string {
  const header = ["metric", "value", "unit", "target", "met", "vs naive", "note"];
  const lines = rows.map((r) => {
    const ok = meets(r);
    const ratio =
      r.baseline !== undefined && Number.isFinite(r.value) && r.value > 0
        ? `${fmt(r.baseline / r.value)}× faster`
        : "";
    return [
      r.metric,
      fmt(r.value),
      r.unit,
      r.target ? `${r.target.op} ${r.target.value}` : "",
      ok === undefined ? "" : ok ? "yes" : "NO",
      ratio,
      r.note ?? "",
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? "").length)));
  const row = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [row(header), row(widths.map((w) => "-".repeat(w))), ...lines.map(row)].join("\n");
}
