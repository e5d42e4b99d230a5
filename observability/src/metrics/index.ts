export { CounterMetric } from "./counter.js";
export {
  escapeHelp,
  escapeLabelValue,
  formatValue,
  PROMETHEUS_CONTENT_TYPE,
} from "./format.js";
export { GaugeMetric, type GaugeOptions } from "./gauge.js";
export { HistogramMetric } from "./histogram.js";
export { Registry } from "./registry.js";
export type {
  Counter,
  Gauge,
  GaugeCollector,
  GaugeSample,
  Histogram,
  HistogramOptions,
  HistogramSnapshot,
  LabelArg,
  Labels,
  MetricOptions,
} from "./types.js";
