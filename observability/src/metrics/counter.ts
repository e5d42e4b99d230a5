import { sampleLine } from "./format.js";
import { checkNumber, SeriesMap } from "./series.js";
import type { Collectable, Counter, LabelAndValue, LabelArg, MetricOptions } from "./types.js";

export class CounterMetric<L extends string> implements Counter<L>, Collectable {
  private readonly family: SeriesMap<{ value: number }>;

  constructor(options: MetricOptions<L>) {
    this.family = new SeriesMap(options.name, options.help, options.labelNames ?? []);
  }

  get name(): string {
    return this.family.name;
  }

  inc(...args: LabelAndValue<L>): void {
    const { labels, rest } = this.family.split(args);
    const value = rest[0] === undefined ? 1 : checkNumber(this.name, rest[0]);
    if (value < 0) throw new Error(`${this.name}: a counter cannot decrease`);
    const values = this.family.values(labels);
    this.family.getOrCreate(values, () => ({ value: 0 })).value += value;
  }

  get(...labels: LabelArg<L>): number {
    const { labels: l } = this.family.split(labels);
    return this.family.peek(this.family.values(l))?.value ?? 0;
  }

  reset(): void {
    this.family.clear();
  }

  render(): string[] {
    const lines = this.family.header("counter");
    const entries = this.family.entries();
    if (entries.length === 0 && this.family.labelNames.length === 0) {
      lines.push(sampleLine(this.name, [], 0));
    }
    for (const { pairs, state } of entries) lines.push(sampleLine(this.name, pairs, state.value));
    return lines;
  }
}
