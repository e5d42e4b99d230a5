import { sampleLine } from "./format.js";
import { checkNumber, SeriesMap } from "./series.js";
import type {
  Collectable,
  Gauge,
  GaugeCollector,
  LabelAndRequiredValue,
  LabelAndValue,
  LabelArg,
  MetricOptions,
} from "./types.js";

export interface GaugeOptions<L extends string> extends MetricOptions<L> {
  /** Evaluated at scrape time instead of stored values. */
  collect?: GaugeCollector<L>;
}

export class GaugeMetric<L extends string> implements Gauge<L>, Collectable {
  private readonly family: SeriesMap<{ value: number }>;
  private collector: GaugeCollector<L> | undefined;

  constructor(options: GaugeOptions<L>) {
    this.family = new SeriesMap(options.name, options.help, options.labelNames ?? []);
    this.collector = options.collect;
  }

  get name(): string {
    return this.family.name;
  }

  set(...args: LabelAndRequiredValue<L>): void {
    this.add(args, true, 1);
  }

  inc(...args: LabelAndValue<L>): void {
    this.add(args, false, 1);
  }

  dec(...args: LabelAndValue<L>): void {
    this.add(args, false, -1);
  }

  get(...labels: LabelArg<L>): number {
    const { labels: l } = this.family.split(labels);
    const values = this.family.values(l);
    if (this.collector) {
      const key = JSON.stringify(values);
      const found = this.collected().find((s) => JSON.stringify(s.values) === key);
      return found?.value ?? 0;
    }
    return this.family.peek(values)?.value ?? 0;
  }

  setCollector(collector: GaugeCollector<L> | undefined): void {
    this.collector = collector;
  }

  reset(): void {
    this.family.clear();
  }

  render(): string[] {
    const lines = this.family.header("gauge");
    if (this.collector) {
      for (const s of this.collected()) {
        lines.push(sampleLine(this.name, this.family.pairs(s.values), s.value));
      }
      return lines;
    }
    const entries = this.family.entries();
    if (entries.length === 0 && this.family.labelNames.length === 0) {
      lines.push(sampleLine(this.name, [], 0));
    }
    for (const { pairs, state } of entries) lines.push(sampleLine(this.name, pairs, state.value));
    return lines;
  }

  private add(args: readonly unknown[], absolute: boolean, sign: 1 | -1): void {
    const { labels, rest } = this.family.split(args);
    if (absolute && rest[0] === undefined) throw new Error(`${this.name}: set needs a value`);
    const value = rest[0] === undefined ? 1 : checkNumber(this.name, rest[0]);
    const state = this.family.getOrCreate(this.family.values(labels), () => ({ value: 0 }));
    state.value = absolute ? value : state.value + sign * value;
  }

  private collected(): Array<{ values: string[]; value: number }> {
    const out = this.collector?.();
    if (out === undefined) return [];
    if (typeof out === "number") {
      if (this.family.labelNames.length > 0) {
        throw new Error(`${this.name}: a labelled gauge's collector must return samples`);
      }
      return [{ values: [], value: out }];
    }
    return out.map((s) => ({
      values: this.family.values(s.labels as Record<string, unknown>),
      value: checkNumber(this.name, s.value),
    }));
  }
}
