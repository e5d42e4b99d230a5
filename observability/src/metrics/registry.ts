import { CounterMetric } from "./counter.js";
import { PROMETHEUS_CONTENT_TYPE } from "./format.js";
import { GaugeMetric, type GaugeOptions } from "./gauge.js";
import { HistogramMetric } from "./histogram.js";
import type {
  Collectable,
  Counter,
  Gauge,
  Histogram,
  HistogramOptions,
  MetricOptions,
} from "./types.js";

/** A set of metric families rendered together in Prometheus text format 0.0.4. */
export class Registry {
  readonly contentType = PROMETHEUS_CONTENT_TYPE;
  private readonly metrics = new Map<string, Collectable>();

  counter<L extends string = never>(options: MetricOptions<L>): Counter<L> {
    return this.add(new CounterMetric<L>(options));
  }

  gauge<L extends string = never>(options: GaugeOptions<L>): Gauge<L> {
    return this.add(new GaugeMetric<L>(options));
  }

  histogram<L extends string = never>(options: HistogramOptions<L>): Histogram<L> {
    return this.add(new HistogramMetric<L>(options));
  }

  /** Every family in registration order; ends with a newline. */
  render(): string {
    const lines: string[] = [];
    for (const metric of this.metrics.values()) lines.push(...metric.render());
    return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
  }

  names(): string[] {
    return [...this.metrics.keys()];
  }

  private add<M extends Collectable>(metric: M): M {
    if (this.metrics.has(metric.name)) {
      throw new Error(`metric ${metric.name} is already registered`);
    }
    this.metrics.set(metric.name, metric);
    return metric;
  }
}
