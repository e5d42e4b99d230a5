import { assertLabelName, assertMetricName, escapeHelp } from "./format.js";

/**
 * Shared bookkeeping for one metric family: validated names and a map from label values (in the
 * declared order) to per-series state.
 */
export class SeriesMap<S> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  private readonly series = new Map<string, { values: string[]; state: S }>();

  constructor(name: string, help: string, labelNames: readonly string[], reserved: string[] = []) {
    assertMetricName(name);
    const seen = new Set<string>();
    for (const label of labelNames) {
      assertLabelName(label, reserved);
      if (seen.has(label)) throw new Error(`${name}: duplicate label name ${label}`);
      seen.add(label);
    }
    this.name = name;
    this.help = help;
    this.labelNames = [...labelNames];
  }

  /** Split variadic `[labels,] rest…` arguments. */
  split(args: readonly unknown[]): { labels: Record<string, unknown>; rest: unknown[] } {
    if (this.labelNames.length === 0) return { labels: {}, rest: [...args] };
    const [labels, ...rest] = args;
    if (typeof labels !== "object" || labels === null) {
      throw new Error(`${this.name}: labels ${this.labelNames.join(", ")} are required`);
    }
    return { labels: labels as Record<string, unknown>, rest };
  }

  /** Label values in declared order; throws on a missing, extra or non-string label. */
  values(labels: Record<string, unknown>): string[] {
    const keys = Object.keys(labels);
    const extra = keys.filter((k) => !this.labelNames.includes(k));
    if (extra.length > 0) throw new Error(`${this.name}: unknown label(s) ${extra.join(", ")}`);
    return this.labelNames.map((label) => {
      const value = labels[label];
      if (typeof value !== "string")
        throw new Error(`${this.name}: label ${label} must be a string`);
      return value;
    });
  }

  getOrCreate(values: string[], create: () => S): S {
    const key = JSON.stringify(values);
    let entry = this.series.get(key);
    if (!entry) {
      entry = { values, state: create() };
      this.series.set(key, entry);
    }
    return entry.state;
  }

  peek(values: string[]): S | undefined {
    return this.series.get(JSON.stringify(values))?.state;
  }

  entries(): Array<{ pairs: Array<readonly [string, string]>; state: S }> {
    return [...this.series.values()].map(({ values, state }) => ({
      pairs: this.pairs(values),
      state,
    }));
  }

  pairs(values: readonly string[]): Array<readonly [string, string]> {
    return this.labelNames.map((label, i) => [label, values[i] ?? ""] as const);
  }

  clear(): void {
    this.series.clear();
  }

  header(type: "counter" | "gauge" | "histogram"): string[] {
    return [`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${type}`];
  }
}

export function checkNumber(name: string, value: unknown): number {
  if (typeof value !== "number" || Number.isNaN(value)) {
    throw new Error(`${name}: value must be a number`);
  }
  return value;
}
