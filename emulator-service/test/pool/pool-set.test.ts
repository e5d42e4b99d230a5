import { createLogger } from "@edgevm/observability";
import { describe, expect, it } from "vitest";
import type { PoolConfig } from "../../src/config/pools.js";
import { PoolSet, type PoolSetOptions, SCALING_TICK_MS } from "../../src/pool/pool-set.js";
import type { TemplateStore } from "../../src/templates/store.js";
import type { VmDriver } from "../../src/vm/driver.js";
import type { BootImage } from "../../src/vm/types.js";
import { FakeCloneSource } from "./fake-clone-source.js";

const IMAGE: BootImage = { name: "base", hash: "h", vmlinux: "", initrd: "", kernelVersion: "" };
const DEFAULT_KEY = { memoryMiB: 128, vcpus: 1 };
const KEY = { image: "base", ...DEFAULT_KEY };

/** A PoolSet over fake VMs, a manual clock and captured log lines; the timer is driven by hand. */
function makeSet(
  pools: Record<string, PoolConfig> = { base: { min: 0, max: 12, prewarm: 2, spawned: 0 } },
  overrides: Partial<PoolSetOptions> = {},
) {
  const source = new FakeCloneSource();
  const clock = { now: 0 };
  const ticker: { tick: () => void; everyMs: number; stopped: boolean } = {
    tick: () => undefined,
    everyMs: 0,
    stopped: false,
  };
  const lines: Array<Record<string, unknown>> = [];
  const set = new PoolSet({
    // the fake VMs have what the pool uses of a Vm; the rest is never touched here
    driver: { spawnClone: () => source.spawn() } as unknown as VmDriver,
    templates: { ensure: async () => ({}) } as unknown as TemplateStore,
    images: new Map([
      ["base", IMAGE],
      ["other", { ...IMAGE, name: "other" }],
    ]),
    pools,
    unconfigured: { min: 0, max: 4, prewarm: 0, spawned: 0 },
    scaling: { idleToZeroMs: 3_000, fillConcurrency: 1 },
    defaultKey: DEFAULT_KEY,
    freeMemoryMiB: () => 1_000_000,
    logger: createLogger({
      level: "info",
      sink: (line) => lines.push(JSON.parse(line) as Record<string, unknown>),
    }),
    now: () => clock.now,
    ticker: (tick, ms) => {
      ticker.tick = tick;
      ticker.everyMs = ms;
      return { stop: () => (ticker.stopped = true) };
    },
    ...overrides,
  });
  const changes = () => lines.filter((l) => l.msg === "pool target changed");
  return { set, source, clock, ticker, changes };
}

describe("PoolSet (the autoscaler wired to the pools)", () => {
  it("prewarms to `prewarm`, grows with acquisitions, refills on release, idles to zero", async () => {
    const { set, source, clock, changes } = makeSet();
    await set.prewarm();
    expect(set.image("base")).toMatchObject({ warm: 2, spawned: 0, targetWarm: 2, templates: 1 });
    expect(changes()[0]).toMatchObject({ warm: 2, spawned: 0, reason: "prewarm" });

    const scaled = await set.get(KEY);
    clock.now = 1_000;
    for (let i = 0; i < 50; i++) set.acquiring(scaled);
    // 50 arrivals read 10/s; × the assumed 250 ms preparation × 1.5 = 3.75 → 4, + 1
    const grown = set.image("base");
    expect(grown.arrivalRatePerS).toBeCloseTo(10, 6);
    expect(grown.targetWarm).toBeGreaterThanOrEqual(2);
    expect(grown.targetSpawned).toBe(grown.targetWarm);
    // acquiring does not start a fill (the job would compete with it for the CPU)
    const spawnsBefore = source.spawnCalls;
    await new Promise((r) => setImmediate(r));
    expect(source.spawnCalls).toBe(spawnsBefore);

    set.released(scaled);
    await scaled.pool.whenFilled();
    expect(set.image("base")).toMatchObject({
      warm: grown.targetWarm,
      spawned: grown.targetSpawned,
    });
    expect(scaled.prepMs).toBeDefined();

    // still active just before idleToZeroMs, zero at it (the timer's evaluation)
    clock.now = 3_999;
    set.evaluateAll();
    expect(set.image("base").targetWarm).toBeGreaterThan(0);
    clock.now = 4_000;
    set.evaluateAll();
    expect(set.image("base")).toMatchObject({ warm: 0, spawned: 0, targetWarm: 0 });
    expect(changes().at(-1)).toMatchObject({ warm: 0, spawned: 0, reason: "idle" });
    await set.close();
    expect(source.live()).toHaveLength(0);
  });

  it("a slow preparation time makes a burst ask for more warm VMs, up to max", async () => {
    const { set, clock, changes } = makeSet({ base: { min: 0, max: 12, prewarm: 0, spawned: 0 } });
    const scaled = await set.get(KEY);
    scaled.prepMs = 1_000;
    clock.now = 500;
    for (let i = 0; i < 50; i++) set.acquiring(scaled);
    expect(set.image("base")).toMatchObject({ targetWarm: 12, targetSpawned: 12 });
    expect(scaled.decision.reason).toBe("max");
    const last = changes().at(-1);
    expect(last).toMatchObject({ warm: 12, spawned: 12, prepMs: 1_000 });
    expect(last?.ratePerS).toBeGreaterThan(5);
    // one line per change, not one per acquisition
    expect(changes().length).toBeLessThan(20);
    await set.close();
  });

  it("keeps min when idle and never exceeds the memory budget", async () => {
    // a budget of 8 pooled VMs of 128 MiB, the pools' own VMs counted as used (as the engine does)
    const ref: { set?: PoolSet } = {};
    const { set, clock } = makeSet(
      { base: { min: 3, max: 12, prewarm: 3, spawned: 1 } },
      { freeMemoryMiB: () => 8 * 128 - (ref.set?.heldMiB() ?? 0) },
    );
    ref.set = set;
    await set.prewarm();
    expect(set.image("base")).toMatchObject({ warm: 3, spawned: 1 });
    const scaled = await set.get(KEY);
    scaled.prepMs = 1_000;
    for (let i = 0; i < 50; i++) set.acquiring(scaled);
    // demand is 16 → max 12, but only 8 fit: all warm, the spawned one given up for them
    expect(set.image("base")).toMatchObject({ targetWarm: 8, targetSpawned: 0 });
    expect(scaled.decision.reason).toBe("memory");
    set.released(scaled);
    await scaled.pool.whenFilled();
    expect(set.heldMiB()).toBeLessThanOrEqual(8 * 128);
    expect(set.image("base")).toMatchObject({ warm: 8, spawned: 0 });
    clock.now = 60_000;
    set.evaluateAll();
    expect(set.image("base")).toMatchObject({ warm: 3, targetWarm: 3, targetSpawned: 1 });
    expect(scaled.decision.reason).toBe("min");
    await set.close();
  });

  it("other template keys and unconfigured images scale from zero with min 0", async () => {
    const { set } = makeSet({ base: { min: 2, max: 6, prewarm: 2, spawned: 2 } });
    const big = await set.get({ image: "base", memoryMiB: 256, vcpus: 1 });
    expect(big.limits).toMatchObject({ min: 0, max: 6, prewarm: 0, minSpawned: 0 });
    expect(big.decision).toMatchObject({ warm: 0, spawned: 0 });
    const other = await set.get({ image: "other", ...DEFAULT_KEY });
    expect(other.limits).toMatchObject({ min: 0, max: 4, prewarm: 0 });
    set.acquiring(other);
    expect(other.decision).toMatchObject({ warm: 2, spawned: 2, reason: "demand" });
    await set.close();
  });

  it("gives each pool the configured fill concurrency", async () => {
    const { set, source } = makeSet(undefined, {
      scaling: { idleToZeroMs: 3_000, fillConcurrency: 2 },
    });
    source.hold = true;
    const prewarming = set.prewarm();
    const deadline = Date.now() + 2_000;
    while (source.pendingSpawns < 2 && Date.now() < deadline) {
      await new Promise((r) => setImmediate(r));
    }
    // both prewarm VMs are being prepared at once
    expect(source.pendingSpawns).toBe(2);
    source.release();
    await prewarming;
    expect(set.image("base")).toMatchObject({ warm: 2 });
    await set.close();
  });

  it("its timer re-evaluates on its own and stops on close", async () => {
    const { set, clock, ticker } = makeSet();
    await set.prewarm();
    expect(ticker.everyMs).toBe(SCALING_TICK_MS);
    clock.now = 10_000; // idle for longer than idleToZeroMs, but nothing has looked yet
    expect(set.image("base")).toMatchObject({ warm: 2, targetWarm: 2 });
    ticker.tick();
    expect(set.image("base")).toMatchObject({ warm: 0, targetWarm: 0 });
    expect(ticker.stopped).toBe(false);
    await set.close();
    expect(ticker.stopped).toBe(true);
  });
});
