/**
 * Pure: the load benchmark's chart as an SVG string. Two stacked time-series panels over the
 * whole run: pool size (warm, spawned, target) and job latency (one dot per job at its arrival
 * time, the p99 per second as a line, log scale), with the step boundaries marked.
 */

export interface PoolSample {
  tMs: number;
  warm: number;
  spawned: number;
  targetWarm?: number;
  busy: number;
  queue: number;
}

export interface LatencyDot {
  tMs: number;
  /** undefined for a job without an answer (refused, error, lost): drawn at the top */
  latencyMs?: number;
  ok: boolean;
}

export interface LoadChart {
  title: string;
  durationMs: number;
  /** when the offered load stopped (the run goes on until every job has answered) */
  loadEndMs?: number;
  steps: { startMs: number; rate: number }[];
  pool: PoolSample[];
  jobs: LatencyDot[];
  p99: { tMs: number; p99Ms: number }[];
}

export type Scale = (v: number) => number;

/** Pure: maps [d0, d1] onto [r0, r1]; a zero-width domain maps to the middle of the range. */
export function linearScale(d0: number, d1: number, r0: number, r1: number): Scale {
  const span = d1 - d0;
  return (v) => (span === 0 ? (r0 + r1) / 2 : r0 + ((v - d0) / span) * (r1 - r0));
}

/** Pure: a log10 scale; values at or below `d0` are clamped to it. */
export function logScale(d0: number, d1: number, r0: number, r1: number): Scale {
  const lin = linearScale(Math.log10(d0), Math.log10(d1), r0, r1);
  return (v) => lin(Math.log10(Math.max(d0, Math.min(d1, v))));
}

/** Pure: round tick values covering [0, max] (1, 2 or 5 × 10^k apart), at most ~`count`. */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0) || !Number.isFinite(max)) return [0, 1];
  const raw = max / count;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * pow >= raw) ?? 10) * pow;
  const ticks: number[] = [];
  for (let v = 0; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  if ((ticks[ticks.length - 1] ?? 0) < max)
    ticks.push(Number((ticks.length * step).toPrecision(12)));
  return ticks;
}

/** Pure: powers of ten from ≤ min to ≥ max (for the log axis). */
export function decadeTicks(min: number, max: number): number[] {
  const lo = Math.floor(Math.log10(Math.max(min, 1e-9)));
  const hi = Math.ceil(Math.log10(Math.max(max, min * 10, 1e-9)));
  return Array.from({ length: Math.max(1, hi - lo + 1) }, (_, i) => 10 ** (lo + i));
}

const W = 960;
const PANEL_H = 260;
const M = { left: 70, right: 150, top: 55, gap: 70, bottom: 50 };
const X0 = M.left;
const X1 = W - M.right;

const esc = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const n = (v: number) => (Number.isFinite(v) ? Number(v.toFixed(1)) : 0);
const fmtMs = (v: number) => (v >= 1000 ? `${v / 1000} s` : `${v} ms`);

function text(x: number, y: number, s: string, attrs = ""): string {
  return `<text x="${n(x)}" y="${n(y)}" ${attrs}>${esc(s)}</text>`;
}

function polyline(points: [number, number][], color: string, extra = ""): string {
  if (!points.length) return "";
  const d = points.map(([x, y]) => `${n(x)},${n(y)}`).join(" ");
  return `<polyline points="${d}" fill="none" stroke="${color}" stroke-width="1.5" ${extra}/>`;
}

/** A step line: holds each value until the next sample. */
function stepped(points: [number, number][]): [number, number][] {
  const out: [number, number][] = [];
  points.forEach(([x, y], i) => {
    const prev = points[i - 1];
    if (prev) out.push([x, prev[1]]);
    out.push([x, y]);
  });
  return out;
}

function legend(x: number, y: number, items: [string, string][]): string {
  return items
    .map(
      ([label, color], i) =>
        `<rect x="${x}" y="${y + i * 18 - 9}" width="12" height="10" fill="${color}"/>` +
        text(x + 18, y + i * 18, label),
    )
    .join("");
}

function xAxis(sx: Scale, durationMs: number, y: number, label: boolean): string[] {
  const out = [`<line x1="${X0}" y1="${y}" x2="${X1}" y2="${y}" stroke="#333"/>`];
  for (const s of niceTicks(durationMs / 1000, 10)) {
    const x = sx(s * 1000);
    if (x > X1 + 0.5) continue;
    out.push(`<line x1="${n(x)}" y1="${y}" x2="${n(x)}" y2="${y + 5}" stroke="#333"/>`);
    out.push(text(x, y + 18, `${s}`, 'text-anchor="middle"'));
  }
  if (label)
    out.push(text((X0 + X1) / 2, y + 38, "time since start of run (s)", 'text-anchor="middle"'));
  return out;
}

function stepMarks(chart: LoadChart, sx: Scale, top: number, bottom: number): string[] {
  const end =
    chart.loadEndMs === undefined
      ? []
      : [
          `<line x1="${n(sx(chart.loadEndMs))}" y1="${top}" x2="${n(sx(chart.loadEndMs))}" y2="${bottom}" stroke="#999" stroke-dasharray="4 3"/>`,
          text(sx(chart.loadEndMs) + 4, top + 12, "load ends", 'fill="#666" font-size="11"'),
        ];
  return chart.steps
    .flatMap((s) => {
      const x = sx(s.startMs);
      return [
        `<line x1="${n(x)}" y1="${top}" x2="${n(x)}" y2="${bottom}" stroke="#999" stroke-dasharray="4 3"/>`,
        text(x + 4, top + 12, `${s.rate}/s`, 'fill="#666" font-size="11"'),
      ];
    })
    .concat(end);
}

/** Pure: the chart (data in, SVG text out). */
export function renderLoadSvg(chart: LoadChart): string {
  const duration = Math.max(1, chart.durationMs, ...chart.pool.map((p) => p.tMs));
  const sx = linearScale(0, duration, X0, X1);
  const out: string[] = [];
  const H = M.top + PANEL_H * 2 + M.gap + M.bottom;
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    text(W / 2, 22, chart.title, 'text-anchor="middle" font-size="15" font-weight="bold"'),
  );

  // panel 1: pool size
  const p1Top = M.top;
  const p1Bottom = p1Top + PANEL_H;
  const poolMax = Math.max(
    1,
    ...chart.pool.flatMap((p) => [p.warm, p.spawned, p.targetWarm ?? 0, p.busy]),
  );
  const yTicks = niceTicks(poolMax, 5);
  const sy1 = linearScale(0, yTicks[yTicks.length - 1] ?? poolMax, p1Bottom, p1Top + 18);
  for (const v of yTicks) {
    const y = sy1(v);
    out.push(`<line x1="${X0}" y1="${n(y)}" x2="${X1}" y2="${n(y)}" stroke="#eee"/>`);
    out.push(text(X0 - 6, y + 4, `${v}`, 'text-anchor="end"'));
  }
  out.push(
    text(
      18,
      (p1Top + p1Bottom) / 2,
      "VMs",
      `transform="rotate(-90 18 ${n((p1Top + p1Bottom) / 2)})" text-anchor="middle"`,
    ),
  );
  out.push(...stepMarks(chart, sx, p1Top, p1Bottom));
  const series: [string, string, (p: PoolSample) => number | undefined][] = [
    ["warm", "#2b7bb9", (p) => p.warm],
    ["spawned", "#8e44ad", (p) => p.spawned],
    ["target warm", "#e67e22", (p) => p.targetWarm],
    ["busy slots", "#27ae60", (p) => p.busy],
  ];
  for (const [, color, get] of series) {
    const pts = chart.pool.flatMap((p): [number, number][] => {
      const v = get(p);
      return v === undefined ? [] : [[sx(p.tMs), sy1(v)]];
    });
    out.push(polyline(stepped(pts), color, color === "#e67e22" ? 'stroke-dasharray="6 3"' : ""));
  }
  out.push(...xAxis(sx, duration, p1Bottom, false));
  out.push(`<line x1="${X0}" y1="${p1Top}" x2="${X0}" y2="${p1Bottom}" stroke="#333"/>`);
  out.push(text(X0, p1Top - 6, "pool size (VMs of the base image)", 'font-weight="bold"'));
  out.push(
    legend(
      X1 + 14,
      p1Top + 20,
      series.map(([l, c]) => [l, c]),
    ),
  );

  // panel 2: latency, log scale
  const p2Top = p1Bottom + M.gap;
  const p2Bottom = p2Top + PANEL_H;
  const values = [
    ...chart.jobs.flatMap((j) => (j.latencyMs === undefined ? [] : [j.latencyMs])),
    ...chart.p99.map((p) => p.p99Ms).filter(Number.isFinite),
  ].filter((v) => v > 0);
  const decades = decadeTicks(Math.min(10, ...values), Math.max(100, ...values));
  const lo = decades[0] ?? 1;
  const hi = decades[decades.length - 1] ?? 1000;
  const sy2 = logScale(lo, hi, p2Bottom, p2Top + 18);
  for (const v of decades) {
    const y = sy2(v);
    out.push(`<line x1="${X0}" y1="${n(y)}" x2="${X1}" y2="${n(y)}" stroke="#eee"/>`);
    out.push(text(X0 - 6, y + 4, fmtMs(v), 'text-anchor="end"'));
  }
  out.push(
    text(
      18,
      (p2Top + p2Bottom) / 2,
      "latency (log)",
      `transform="rotate(-90 18 ${n((p2Top + p2Bottom) / 2)})" text-anchor="middle"`,
    ),
  );
  out.push(...stepMarks(chart, sx, p2Top, p2Bottom));
  for (const j of chart.jobs) {
    const x = n(sx(j.tMs));
    if (j.latencyMs === undefined || !j.ok) {
      const y = n(j.latencyMs === undefined ? p2Top + 8 : sy2(j.latencyMs));
      out.push(
        `<path d="M${x - 3},${y - 3}L${x + 3},${y + 3}M${x - 3},${y + 3}L${x + 3},${y - 3}" stroke="#c0392b"/>`,
      );
    } else {
      out.push(
        `<circle cx="${x}" cy="${n(sy2(j.latencyMs))}" r="1.8" fill="#2b7bb9" fill-opacity="0.5"/>`,
      );
    }
  }
  const p99pts = chart.p99.map((p): [number, number] => [
    sx(p.tMs),
    Number.isFinite(p.p99Ms) ? sy2(p.p99Ms) : p2Top + 8,
  ]);
  out.push(polyline(p99pts, "#d35400"));
  out.push(...xAxis(sx, duration, p2Bottom, true));
  out.push(`<line x1="${X0}" y1="${p2Top}" x2="${X0}" y2="${p2Bottom}" stroke="#333"/>`);
  out.push(text(X0, p2Top - 6, "job latency (arrival to answer)", 'font-weight="bold"'));
  out.push(
    legend(X1 + 14, p2Top + 20, [
      ["job (by arrival)", "#2b7bb9"],
      ["p99 per second", "#d35400"],
      ["refused/failed/lost", "#c0392b"],
    ]),
  );
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}
