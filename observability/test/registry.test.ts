import { describe, expect, it } from "vitest";
import { escapeLabelValue, formatValue, Registry } from "../src/index.js";

describe("Registry", () => {
  it("renders a counter with HELP/TYPE and labels", () => {
    const r = new Registry();
    const c = r.counter({
      name: "requests_total",
      help: "Requests.",
      labelNames: ["route", "status"],
    });
    c.inc({ route: "/a", status: "200" });
    c.inc({ route: "/a", status: "200" }, 2);
    c.inc({ status: "500", route: "/b" });
    expect(c.get({ route: "/a", status: "200" })).toBe(3);
    expect(r.render()).toBe(
      [
        "# HELP requests_total Requests.",
        "# TYPE requests_total counter",
        'requests_total{route="/a",status="200"} 3',
        'requests_total{route="/b",status="500"} 1',
        "",
      ].join("\n"),
    );
  });

  it("renders an unlabelled counter as 0 before any increment", () => {
    const r = new Registry();
    const c = r.counter({ name: "boots_total", help: "Boots." });
    expect(r.render()).toContain("\nboots_total 0\n");
    c.inc();
    c.inc(4);
    expect(r.render()).toContain("\nboots_total 5\n");
  });

  it("rejects negative counter increments and wrong labels", () => {
    const r = new Registry();
    const c = r.counter({ name: "x_total", help: "x", labelNames: ["a"] });
    expect(() => c.inc({ a: "1" }, -1)).toThrow(/cannot decrease/);
    expect(() => (c.inc as (l: unknown) => void)({ a: "1", b: "2" })).toThrow(/unknown label/);
    expect(() => (c.inc as (l: unknown) => void)({})).toThrow(/label a must be a string/);
    expect(() => (c.inc as () => void)()).toThrow(/labels a are required/);
  });

  it("escapes label values and help text", () => {
    const r = new Registry();
    const g = r.gauge({ name: "g", help: 'line1\nback\\slash "q"', labelNames: ["v"] });
    g.set({ v: 'a"b\\c\nd' }, 1);
    const text = r.render();
    expect(text).toContain('# HELP g line1\\nback\\\\slash "q"\n');
    expect(text).toContain('g{v="a\\"b\\\\c\\nd"} 1\n');
    expect(escapeLabelValue("plain")).toBe("plain");
  });

  it("supports gauge set/inc/dec", () => {
    const r = new Registry();
    const g = r.gauge({ name: "in_flight", help: "h" });
    g.inc();
    g.inc(2);
    g.dec();
    expect(g.get()).toBe(2);
    g.set(-1.5);
    expect(r.render()).toContain("\nin_flight -1.5\n");
  });

  it("computes callback gauges at scrape time", () => {
    const r = new Registry();
    let n = 1;
    r.gauge({ name: "queue", help: "h", collect: () => n });
    const pool = r.gauge({ name: "pool", help: "h", labelNames: ["image", "state"] });
    pool.setCollector(() => [
      { labels: { image: "base", state: "warm" }, value: n * 2 },
      { labels: { image: "base", state: "spawned" }, value: 1 },
    ]);
    n = 3;
    const text = r.render();
    expect(text).toContain("\nqueue 3\n");
    expect(text).toContain('pool{image="base",state="warm"} 6\n');
    expect(text).toContain('pool{image="base",state="spawned"} 1\n');
    expect(pool.get({ image: "base", state: "warm" })).toBe(6);
  });

  it("renders histograms with cumulative buckets, +Inf, sum and count", () => {
    const r = new Registry();
    const h = r.histogram({
      name: "lat_seconds",
      help: "h",
      labelNames: ["source"],
      buckets: [0.1, 1, 5],
    });
    h.observe({ source: "warm" }, 0.05);
    h.observe({ source: "warm" }, 0.1);
    h.observe({ source: "warm" }, 2);
    h.observe({ source: "warm" }, 100);
    expect(r.render()).toBe(
      [
        "# HELP lat_seconds h",
        "# TYPE lat_seconds histogram",
        'lat_seconds_bucket{source="warm",le="0.1"} 2',
        'lat_seconds_bucket{source="warm",le="1"} 2',
        'lat_seconds_bucket{source="warm",le="5"} 3',
        'lat_seconds_bucket{source="warm",le="+Inf"} 4',
        'lat_seconds_sum{source="warm"} 102.15',
        'lat_seconds_count{source="warm"} 4',
        "",
      ].join("\n"),
    );
    expect(h.get({ source: "warm" }).count).toBe(4);
    expect(h.get({ source: "boot" }).count).toBe(0);
  });

  it("renders an empty unlabelled histogram with zero buckets", () => {
    const r = new Registry();
    r.histogram({ name: "boot_seconds", help: "h", buckets: [1, 2] });
    const text = r.render();
    expect(text).toContain('boot_seconds_bucket{le="1"} 0\n');
    expect(text).toContain('boot_seconds_bucket{le="+Inf"} 0\n');
    expect(text).toContain("boot_seconds_sum 0\nboot_seconds_count 0\n");
  });

  it("times with startTimer", async () => {
    const r = new Registry();
    const h = r.histogram({ name: "t_seconds", help: "h", buckets: [0.001, 10] });
    const stop = h.startTimer();
    await new Promise((res) => setTimeout(res, 5));
    const seconds = stop();
    expect(seconds).toBeGreaterThan(0.003);
    expect(h.get().count).toBe(1);
    expect(h.get().buckets[0]?.count).toBe(0);
  });

  it("validates names, buckets and duplicates", () => {
    const r = new Registry();
    expect(() => r.counter({ name: "bad-name", help: "h" })).toThrow(/invalid metric name/);
    expect(() => r.counter({ name: "ok", help: "h", labelNames: ["__x"] })).toThrow(
      /invalid label/,
    );
    expect(() => r.histogram({ name: "h1", help: "h", labelNames: ["le"], buckets: [1] })).toThrow(
      /reserved/,
    );
    expect(() => r.histogram({ name: "h2", help: "h", buckets: [2, 1] })).toThrow(/increasing/);
    expect(() => r.histogram({ name: "h3", help: "h", buckets: [] })).toThrow(/bucket/);
    r.counter({ name: "dup", help: "h" });
    expect(() => r.gauge({ name: "dup", help: "h" })).toThrow(/already registered/);
  });

  it("formats special values", () => {
    expect(formatValue(Number.POSITIVE_INFINITY)).toBe("+Inf");
    expect(formatValue(Number.NEGATIVE_INFINITY)).toBe("-Inf");
    expect(formatValue(Number.NaN)).toBe("NaN");
    expect(formatValue(1e21)).toBe("1e+21");
  });

  it("produces parseable exposition lines", () => {
    const r = new Registry();
    r.counter({ name: "a_total", help: "a", labelNames: ["x"] }).inc({ x: "1" });
    r.histogram({ name: "b", help: "b", buckets: [1] }).observe(0.5);
    const line =
      /^(# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .*|[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\.)*",?)*\})? (\S+))$/;
    const text = r.render();
    expect(text.endsWith("\n")).toBe(true);
    for (const l of text.trimEnd().split("\n")) expect(l).toMatch(line);
  });
});
