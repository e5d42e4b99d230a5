/** Typed label sets: a metric declared with label names `L` is always given exactly those. */
export type Labels<L extends string> = { readonly [K in L]: string };

/** No label argument for a metric without labels, otherwise one required label object. */
export type LabelArg<L extends string> = [L] extends [never] ? [] : [labels: Labels<L>];

/** `[labels,] value?` — the value defaults to 1 for inc/dec. */
export type LabelAndValue<L extends string> = [...LabelArg<L>, value?: number];

/** `[labels,] value` — the value is required (set/observe). */
export type LabelAndRequiredValue<L extends string> = [...LabelArg<L>, value: number];

export interface MetricOptions<L extends string> {
  name: string;
  help: string;
  labelNames?: readonly L[];
}

export interface GaugeSample<L extends string> {
  labels: Labels<L>;
  value: number;
}

/** Computes a gauge at scrape time: a plain number for a gauge without labels, or samples. */
export type GaugeCollector<L extends string> = () => number | ReadonlyArray<GaugeSample<L>>;

export interface HistogramOptions<L extends string> extends MetricOptions<L> {
  /** Upper bounds in seconds (or whatever unit), strictly increasing; `+Inf` is implied. */
  buckets: readonly number[];
}

export interface Counter<L extends string = never> {
  readonly name: string;
  inc(...args: LabelAndValue<L>): void;
  get(...labels: LabelArg<L>): number;
  reset(): void;
}

export interface Gauge<L extends string = never> {
  readonly name: string;
  set(...args: LabelAndRequiredValue<L>): void;
  inc(...args: LabelAndValue<L>): void;
  dec(...args: LabelAndValue<L>): void;
  get(...labels: LabelArg<L>): number;
  /** Replace stored values with a function evaluated at every scrape (undefined removes it). */
  setCollector(collector: GaugeCollector<L> | undefined): void;
  reset(): void;
}

export interface HistogramSnapshot {
  /** cumulative counts, one per bucket bound, then +Inf */
  buckets: Array<{ le: number; count: number }>;
  sum: number;
  count: number;
}

export interface Histogram<L extends string = never> {
  readonly name: string;
  readonly buckets: readonly number[];
  observe(...args: LabelAndRequiredValue<L>): void;
  /** Starts a timer; calling the result observes the elapsed seconds and returns them. */
  startTimer(...labels: LabelArg<L>): () => number;
  get(...labels: LabelArg<L>): HistogramSnapshot;
  reset(): void;
}

/** What the registry needs from each metric to render it. */
export interface Collectable {
  readonly name: string;
  render(): string[];
}
