/** Prometheus text exposition format 0.0.4: names, escaping and number formatting. */

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function assertMetricName(name: string): void {
  if (!METRIC_NAME.test(name)) throw new Error(`invalid metric name ${JSON.stringify(name)}`);
}

export function assertLabelName(name: string, reserved: readonly string[] = []): void {
  if (!LABEL_NAME.test(name) || name.startsWith("__")) {
    throw new Error(`invalid label name ${JSON.stringify(name)}`);
  }
  if (reserved.includes(name)) throw new Error(`label name ${JSON.stringify(name)} is reserved`);
}

/** HELP text: backslash and line feed are escaped. */
export function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

/** Label values: backslash, double quote and line feed are escaped. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

/** `{a="x",b="y"}` or "" for no labels; pairs are written in the order given. */
export function formatLabels(pairs: ReadonlyArray<readonly [string, string]>): string {
  if (pairs.length === 0) return "";
  return `{${pairs.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(",")}}`;
}

export function sampleLine(
  name: string,
  pairs: ReadonlyArray<readonly [string, string]>,
  value: number,
): string {
  return `${name}${formatLabels(pairs)} ${formatValue(value)}`;
}
