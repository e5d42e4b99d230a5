import { formatValue, sampleLine } from "./format.js";
import { checkNumber, SeriesMap } from "./series.js";
import type {
  Collectable,
  Histogram,
  HistogramOptions,
  HistogramSnapshot,
  LabelAndRequiredValue,
  LabelArg,
} from "./types.js";

interface HistogramState {
  /** non-cumulative counts per bucket; the last slot is +Inf */
  counts: number[];
  sum: number;
  count: number;
}

export class HistogramMetric<L extends string> implements Histogram<L>, Collectable {
  readonly buckets: readonly number[];
  private readonly family: SeriesMap<HistogramState>;

  constructor(options: HistogramOptions<L>) {
    this.family = new SeriesMap(options.name, options.help, options.labelNames ?? [], ["le"]);
    const buckets = options.buckets.filter((b) => b !== Number.POSITIVE_INFINITY);
    if (buckets.length === 0) throw new Error(`${options.name}: at least one bucket is required`);
    buckets.forEach((b, i) => {
      if (!Number.isFinite(b)) throw new Error(`${options.name}: bucket ${b} is not finite`);
      const prev = buckets[i - 1];
      if (prev !== undefined && b <= prev) {
        throw new Error(`${options.name}: buckets must be strictly increasing`);
      }
    });
    this.buckets = Object.freeze([...buckets]);
  }

  get name(): string {
    return this.family.name;
  }

  observe(...args: LabelAndRequiredValue<L>): void {
    const { labels, rest } = this.family.split(args);
    const value = checkNumber(this.name, rest[0]);
    const state = this.family.getOrCreate(this.family.values(labels), () => this.empty());
    let index = this.buckets.findIndex((bound) => value <= bound);
    if (index === -1) index = this.buckets.length;
    state.counts[index] = (state.counts[index] ?? 0) + 1;
    state.sum += value;
    state.count += 1;
  }

  startTimer(...labels: LabelArg<L>): () => number {
    const started = performance.now();
    return () => {
      const seconds = (performance.now() - started) / 1000;
      (this.observe as (...a: unknown[]) => void)(...labels, seconds);
      return seconds;
    };
  }

  get(...labels: LabelArg<L>): HistogramSnapshot {
    const { labels: l } = this.family.split(labels);
    return this.snapshot(this.family.peek(this.family.values(l)) ?? this.empty());
  }

  reset(): void {
    this.family.clear();
  }

  render(): string[] {
    const lines = this.family.header("histogram");
    const entries = this.family.entries();
    if (entries.length === 0 && this.family.labelNames.length === 0) {
      entries.push({ pairs: [], state: this.empty() });
    }
    const bucketName = `${this.name}_bucket`;
    for (const { pairs, state } of entries) {
      for (const { le, count } of this.snapshot(state).buckets) {
        lines.push(sampleLine(bucketName, [...pairs, ["le", formatValue(le)]], count));
      }
      lines.push(sampleLine(`${this.name}_sum`, pairs, state.sum));
      lines.push(sampleLine(`${this.name}_count`, pairs, state.count));
    }
    return lines;
  }

  private empty(): HistogramState {
    return { counts: new Array<number>(this.buckets.length + 1).fill(0), sum: 0, count: 0 };
  }

  private snapshot(state: HistogramState): HistogramSnapshot {
    let running = 0;
    const bounds = [...this.buckets, Number.POSITIVE_INFINITY];
    const buckets = bounds.map((le, i) => {
      running += state.counts[i] ?? 0;
      return { le, count: running };
    });
    return { buckets, sum: state.sum, count: state.count };
  }
}
