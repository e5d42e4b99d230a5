import { createLogger, silentLogger } from "@edgevm/observability";
import { describe, expect, it } from "vitest";
import { WarmPool } from "../../src/pool/warm-pool.js";
import { FakeCloneSource, type FakeVm } from "./fake-clone-source.js";

/** Lets queued promise callbacks (several hops deep) run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

function makePool(
  targets: { warm: number; spawned: number },
  source = new FakeCloneSource(),
  fillConcurrency = 1,
) {
  const pool = new WarmPool("base", source, targets, silentLogger(), () => {}, fillConcurrency);
  return { pool, source };
}

/** A pool with `fillConcurrency` workers whose spawns wait for `source.release()`. */
function makeHeldPool(targets: { warm: number; spawned: number }, fillConcurrency: number) {
  const source = new FakeCloneSource();
  source.hold = true;
  return makePool(targets, source, fillConcurrency);
}

describe("WarmPool", () => {
  it("fills to its targets: warm VMs restored and warmed up, spawned ones left incoming", async () => {
    const { pool, source } = makePool({ warm: 2, spawned: 1 });
    await pool.whenFilled();
    expect(pool.stats()).toEqual({
      warm: 2,
      spawned: 1,
      filling: 0,
      targets: { warm: 2, spawned: 1 },
    });
    expect(pool.held()).toBe(3);
    expect(source.spawnCalls).toBe(3);
    const [a, b, c] = source.vms as [FakeVm, FakeVm, FakeVm];
    for (const vm of [a, b]) {
      expect(vm.restoreCalls).toBe(1);
      expect(vm.warmUpCalls).toBe(1);
    }
    expect(c.restoreCalls).toBe(0);
    expect(c.warmUpCalls).toBe(0);
    expect(source.vms.every((vm) => vm.destroyCalls === 0)).toBe(true);
    await pool.close();
  });

  it("does nothing with zero targets", async () => {
    const { pool, source } = makePool({ warm: 0, spawned: 0 });
    await pool.whenFilled();
    expect(source.spawnCalls).toBe(0);
    expect(pool.stats()).toMatchObject({ warm: 0, spawned: 0, filling: 0 });
  });

  it("counts VMs being prepared in held() and stats().filling", async () => {
    const { pool, source } = makePool({ warm: 1, spawned: 0 });
    source.hold = true;
    pool.refill();
    await settle();
    expect(pool.stats()).toMatchObject({ warm: 0, spawned: 0, filling: 1 });
    expect(pool.held()).toBe(1);
    source.release();
    await pool.whenFilled();
    expect(pool.stats()).toMatchObject({ warm: 1, filling: 0 });
    await pool.close();
  });

  it("acquire hands out a warm VM first (start warm), without restoring it again", async () => {
    const { pool, source } = makePool({ warm: 1, spawned: 1 });
    await pool.whenFilled();
    const warmVm = source.vms[0] as FakeVm;
    const acquired = await pool.acquire();
    expect(acquired.start).toBe("warm");
    expect(acquired.vm).toBe(warmVm);
    expect(warmVm.restoreCalls).toBe(1);
    await pool.whenFilled();
    await pool.close();
    // the caller owns the acquired VM: close() does not destroy it
    expect(warmVm.destroyCalls).toBe(0);
  });

  it("acquire restores a spawned VM when there is no warm one (start restore)", async () => {
    const { pool, source } = makePool({ warm: 0, spawned: 1 });
    await pool.whenFilled();
    const spawnedVm = source.vms[0] as FakeVm;
    expect(spawnedVm.restoreCalls).toBe(0);
    const acquired = await pool.acquire();
    expect(acquired.start).toBe("restore");
    expect(acquired.vm).toBe(spawnedVm);
    expect(spawnedVm.restoreCalls).toBe(1);
    expect(spawnedVm.warmUpCalls).toBe(0);
    await pool.whenFilled();
    expect(pool.stats()).toMatchObject({ warm: 0, spawned: 1 });
    expect(source.spawnCalls).toBe(2);
    await pool.close();
  });

  it("acquire spawns and restores a new VM on demand when the pool is empty", async () => {
    const { pool, source } = makePool({ warm: 0, spawned: 0 });
    const acquired = await pool.acquire();
    expect(acquired.start).toBe("restore");
    expect(source.spawnCalls).toBe(1);
    expect(acquired.vm).toBe(source.vms[0]);
    expect(acquired.vm.restoreCalls).toBe(1);
    expect(acquired.vm.warmUpCalls).toBe(0);
  });

  it("hands out warm, then spawned, then new VMs in that order", async () => {
    const { pool, source } = makePool({ warm: 1, spawned: 2 });
    await pool.whenFilled();
    const [a, b, c] = source.vms as [FakeVm, FakeVm, FakeVm];
    expect(pool.stats()).toMatchObject({ warm: 1, spawned: 2 });
    // from now on the background refill cannot finish a spawn
    source.hold = true;

    const first = await pool.acquire();
    expect(first).toEqual({ vm: a, start: "warm" });
    // acquiring does not refill (that would compete with the job for the CPU) …
    await settle();
    expect(pool.stats()).toMatchObject({ warm: 0, spawned: 2, filling: 0 });
    // … the caller does once the job is done: spawned b becomes warm, then a new spawn waits
    pool.refill();
    await settle();
    expect(pool.stats()).toMatchObject({ warm: 1, spawned: 1, filling: 1 });
    expect(b.warmUpCalls).toBe(1);

    const second = await pool.acquire();
    expect(second).toEqual({ vm: b, start: "warm" });

    const third = await pool.acquire();
    expect(third).toEqual({ vm: c, start: "restore" });
    expect(c.restoreCalls).toBe(1);
    expect(pool.stats()).toMatchObject({ warm: 0, spawned: 0 });

    const spawnsBefore = source.spawnCalls;
    const fourth = pool.acquire();
    await settle();
    expect(source.spawnCalls).toBe(spawnsBefore + 1);
    source.release();
    const got = await fourth;
    expect(got.start).toBe("restore");
    expect([a, b, c]).not.toContain(got.vm);
    expect(got.vm.restoreCalls).toBe(1);
    await pool.whenFilled();
    expect(pool.stats()).toMatchObject({ warm: 1, spawned: 2, filling: 0 });
    await pool.close();
  });

  it("refills in the background after an acquire", async () => {
    const { pool, source } = makePool({ warm: 2, spawned: 0 });
    await pool.whenFilled();
    await pool.acquire();
    await pool.acquire();
    await pool.whenFilled();
    expect(pool.stats()).toMatchObject({ warm: 2, spawned: 0, filling: 0 });
    expect(source.spawnCalls).toBe(4);
    await pool.close();
  });

  it("removes a warm VM that dies and replaces it", async () => {
    const { pool, source } = makePool({ warm: 1, spawned: 1 });
    await pool.whenFilled();
    const [warmVm, spawnedVm] = source.vms as [FakeVm, FakeVm];
    source.hold = true;
    warmVm.die();
    await settle();
    // the dead VM is gone; the spawned one was promoted to warm and a new spawn is under way
    expect(pool.stats()).toMatchObject({ warm: 1, spawned: 0, filling: 1 });
    expect(spawnedVm.warmUpCalls).toBe(1);
    source.release();
    await pool.whenFilled();
    expect(pool.stats()).toMatchObject({ warm: 1, spawned: 1, filling: 0 });
    const acquired = await pool.acquire();
    expect(acquired).toEqual({ vm: spawnedVm, start: "warm" });
    expect(warmVm.destroyCalls).toBe(0);
    await pool.close();
  });

  it("removes a spawned VM that dies, replaces it and never hands it out", async () => {
    const { pool, source } = makePool({ warm: 0, spawned: 2 });
    await pool.whenFilled();
    const [dead, alive] = source.vms as [FakeVm, FakeVm];
    dead.die();
    await settle();
    await pool.whenFilled();
    expect(pool.stats()).toMatchObject({ warm: 0, spawned: 2, filling: 0 });
    expect(source.spawnCalls).toBe(3);
    source.hold = true;
    const first = await pool.acquire();
    const second = await pool.acquire();
    expect(first.vm).toBe(alive);
    expect(second.vm).toBe(source.vms[2]);
    expect(dead.restoreCalls).toBe(0);
    source.release();
    await pool.close();
  });

  it("does not react to an acquired VM's exit", async () => {
    const { pool, source } = makePool({ warm: 1, spawned: 0 });
    await pool.whenFilled();
    const { vm } = await pool.acquire();
    await pool.whenFilled();
    const spawns = source.spawnCalls;
    await vm.destroy();
    await settle();
    await pool.whenFilled();
    expect(source.spawnCalls).toBe(spawns);
    expect(pool.stats()).toMatchObject({ warm: 1, spawned: 0 });
    await pool.close();
  });

  it("destroys a spawned VM whose restore fails on acquire, and rejects", async () => {
    const { pool, source } = makePool({ warm: 0, spawned: 1 });
    await pool.whenFilled();
    const vm = source.vms[0] as FakeVm;
    vm.restoreBehavior = "fail";
    await expect(pool.acquire()).rejects.toThrow(/restore failed/);
    expect(vm.destroyCalls).toBe(1);
    await pool.close();
  });

  it("destroys an on-demand VM whose restore fails, and rejects", async () => {
    const { pool, source } = makePool({ warm: 0, spawned: 0 });
    source.restoreBehavior = "fail";
    await expect(pool.acquire()).rejects.toThrow(/restore failed/);
    expect(source.vms).toHaveLength(1);
    expect(source.vms[0]?.destroyCalls).toBe(1);
  });

  it("rejects when an on-demand spawn fails", async () => {
    const { pool, source } = makePool({ warm: 0, spawned: 0 });
    source.failSpawns = 1;
    await expect(pool.acquire()).rejects.toThrow(/spawn failed/);
  });

  it("setTargets lower destroys the extra VMs, newest first, and spawns nothing", async () => {
    const { pool, source } = makePool({ warm: 2, spawned: 2 });
    await pool.whenFilled();
    expect(source.spawnCalls).toBe(4);
    pool.setTargets({ warm: 1, spawned: 0 });
    await pool.whenFilled();
    expect(pool.stats()).toEqual({
      warm: 1,
      spawned: 0,
      filling: 0,
      targets: { warm: 1, spawned: 0 },
    });
    expect(source.spawnCalls).toBe(4);
    expect(source.vms.map((vm) => vm.destroyCalls)).toEqual([0, 1, 1, 1]);
    await pool.close();
  });

  it("setTargets higher fills up to the new targets", async () => {
    const { pool, source } = makePool({ warm: 1, spawned: 0 });
    await pool.whenFilled();
    pool.setTargets({ warm: 2, spawned: 1 });
    await pool.whenFilled();
    expect(pool.stats()).toMatchObject({ warm: 2, spawned: 1 });
    expect(source.spawnCalls).toBe(3);
    await pool.close();
  });

  it("setTargets with refill false trims at once but does not start a fill", async () => {
    const { pool, source } = makePool({ warm: 2, spawned: 0 });
    await pool.whenFilled();
    pool.setTargets({ warm: 4, spawned: 2 }, false);
    await settle();
    expect(source.spawnCalls).toBe(2);
    expect(pool.stats()).toMatchObject({ warm: 2, filling: 0, targets: { warm: 4, spawned: 2 } });
    pool.setTargets({ warm: 1, spawned: 0 }, false);
    expect(pool.stats()).toMatchObject({ warm: 1, spawned: 0 });
    expect(source.vms.map((vm) => vm.destroyCalls)).toEqual([0, 1]);
    await pool.close();
  });

  it("reports how long each warm VM took to prepare, and only warm ones", async () => {
    const prepared: number[] = [];
    const source = new FakeCloneSource();
    const pool = new WarmPool("base", source, { warm: 2, spawned: 3 }, silentLogger(), (ms) =>
      prepared.push(ms),
    );
    await pool.whenFilled();
    expect(prepared).toHaveLength(2);
    for (const ms of prepared) expect(ms).toBeGreaterThanOrEqual(0);
    await pool.close();
  });

  it("close() destroys every pooled VM and stops refilling", async () => {
    const { pool, source } = makePool({ warm: 2, spawned: 2 });
    await pool.whenFilled();
    await pool.close();
    expect(source.vms.map((vm) => vm.destroyCalls)).toEqual([1, 1, 1, 1]);
    expect(pool.stats()).toMatchObject({ warm: 0, spawned: 0, filling: 0 });
    pool.refill();
    pool.setTargets({ warm: 3, spawned: 3 });
    await pool.whenFilled();
    await settle();
    expect(source.spawnCalls).toBe(4);
    expect(pool.held()).toBe(0);
  });

  it("close() waits for an in-flight fill and destroys its VM instead of pooling it", async () => {
    const { pool, source } = makePool({ warm: 1, spawned: 0 });
    source.hold = true;
    pool.refill();
    await settle();
    expect(source.pendingSpawns).toBe(1);
    let closed = false;
    const closing = pool.close().then(() => {
      closed = true;
    });
    await settle();
    expect(closed).toBe(false);
    source.release();
    await closing;
    expect(source.vms).toHaveLength(1);
    expect(source.vms[0]?.destroyCalls).toBe(1);
    expect(pool.stats()).toMatchObject({ warm: 0, spawned: 0, filling: 0 });
  });

  it("close() also waits for VMs being warmed up", async () => {
    const { pool, source } = makePool({ warm: 1, spawned: 0 });
    source.warmUpBehavior = "hold";
    pool.refill();
    await settle();
    const vm = source.vms[0] as FakeVm;
    expect(vm.heldWarmUps).toHaveLength(1);
    const closing = pool.close();
    vm.heldWarmUps[0]?.resolve();
    await closing;
    expect(vm.destroyCalls).toBe(1);
    expect(pool.stats().warm).toBe(0);
  });

  it("a fill failure is logged, stops the fill, and does not loop", async () => {
    const lines: string[] = [];
    const source = new FakeCloneSource();
    source.failSpawns = Number.POSITIVE_INFINITY;
    const pool = new WarmPool(
      "base",
      source,
      { warm: 2, spawned: 2 },
      createLogger({ level: "warn", sink: (l) => lines.push(l) }),
    );
    await pool.whenFilled();
    await settle();
    expect(source.spawnCalls).toBe(1);
    expect(pool.stats()).toMatchObject({ warm: 0, spawned: 0, filling: 0 });
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0] as string) as Record<string, unknown>;
    expect(line).toMatchObject({
      level: "warn",
      msg: "pool fill failed",
      pool: "base",
      error: "spawn failed",
    });

    // the next refill tries again, and fills once spawning works
    source.failSpawns = 0;
    await pool.whenFilled();
    expect(pool.stats()).toMatchObject({ warm: 2, spawned: 2 });
    await pool.close();
  });

  it("a failed warm-up destroys that VM and leaves the rest of the pool alone", async () => {
    const { pool, source } = makePool({ warm: 1, spawned: 1 });
    await pool.whenFilled();
    const [warmVm, spawnedVm] = source.vms as [FakeVm, FakeVm];
    // the next warm VM will come from the spawned one; make its warm-up fail
    spawnedVm.warmUpBehavior = "fail";
    await pool.acquire();
    await pool.whenFilled();
    expect(spawnedVm.destroyCalls).toBe(1);
    expect(warmVm.destroyCalls).toBe(0);
    expect(pool.stats()).toMatchObject({ warm: 0, spawned: 0, filling: 0 });
    // the pool recovers on the next refill
    await pool.whenFilled();
    expect(pool.stats()).toMatchObject({ warm: 1, spawned: 1 });
    await pool.close();
  });

  it("a restore failure during fill destroys the VM", async () => {
    const { pool, source } = makePool({ warm: 1, spawned: 0 });
    source.restoreBehavior = "fail";
    await pool.whenFilled();
    expect(source.vms).toHaveLength(1);
    expect(source.vms[0]?.destroyCalls).toBe(1);
    expect(pool.stats()).toMatchObject({ warm: 0, filling: 0 });
  });

  it("whenFilled does not hang when a VM keeps failing (bounded time)", async () => {
    const { pool, source } = makePool({ warm: 3, spawned: 3 });
    source.restoreBehavior = "fail";
    await expect(
      Promise.race([
        pool.whenFilled().then(() => "done"),
        new Promise((resolve) => setTimeout(() => resolve("hung"), 1_000)),
      ]),
    ).resolves.toBe("done");
    expect(source.spawnCalls).toBe(1);
    await pool.close();
  });

  it("VMs spawned while a pool is being closed never leak", async () => {
    const { pool, source } = makePool({ warm: 2, spawned: 2 });
    source.hold = true;
    pool.refill();
    await settle();
    const closing = pool.close();
    source.release();
    await closing;
    await settle();
    expect(source.live()).toHaveLength(0);
  });

  describe("with fillConcurrency > 1", () => {
    it("prepares up to N VMs at once, all counted in held() and stats().filling", async () => {
      const { pool, source } = makeHeldPool({ warm: 3, spawned: 0 }, 3);
      pool.refill();
      await settle();
      expect(source.pendingSpawns).toBe(3);
      expect(pool.stats()).toMatchObject({ warm: 0, spawned: 0, filling: 3 });
      expect(pool.held()).toBe(3);
      source.release();
      await pool.whenFilled();
      expect(pool.stats()).toMatchObject({ warm: 3, spawned: 0, filling: 0 });
      expect(source.spawnCalls).toBe(3);
      await pool.close();
    });

    it("never prepares more than N at once, nor more than the targets ask for", async () => {
      const { pool, source } = makeHeldPool({ warm: 4, spawned: 3 }, 2);
      pool.refill();
      let maxInFlight = 0;
      while (pool.stats().warm < 4 || pool.stats().spawned < 3) {
        await settle();
        maxInFlight = Math.max(maxInFlight, source.pendingSpawns);
        expect(pool.held()).toBeLessThanOrEqual(7);
        // asking again does not add workers beyond the concurrency
        pool.refill();
        source.release(true);
      }
      expect(maxInFlight).toBe(2);
      await pool.whenFilled();
      expect(source.spawnCalls).toBe(7);
      expect(source.vms.every((vm) => vm.destroyCalls === 0)).toBe(true);
      await pool.close();
    });

    it("starts no more workers than there are VMs missing", async () => {
      const { pool, source } = makeHeldPool({ warm: 2, spawned: 1 }, 8);
      pool.refill();
      await settle();
      expect(source.pendingSpawns).toBe(3);
      expect(pool.stats().filling).toBe(3);
      source.release();
      await pool.whenFilled();
      expect(pool.stats()).toMatchObject({ warm: 2, spawned: 1, filling: 0 });
      expect(source.spawnCalls).toBe(3);
      await pool.close();
    });

    it("warms pre-spawned clones and spawns their replacements in parallel", async () => {
      const { pool, source } = makePool({ warm: 2, spawned: 2 }, new FakeCloneSource(), 4);
      await pool.whenFilled();
      const [, , c, d] = source.vms as [FakeVm, FakeVm, FakeVm, FakeVm];
      await pool.acquire();
      await pool.acquire();
      source.hold = true;
      pool.refill();
      await settle();
      // both spawned clones are being warmed, and both replacements spawned, at once
      expect(c.warmUpCalls).toBe(1);
      expect(d.warmUpCalls).toBe(1);
      expect(source.pendingSpawns).toBe(2);
      expect(pool.stats()).toMatchObject({ warm: 2, spawned: 0, filling: 2 });
      source.release();
      await pool.whenFilled();
      expect(pool.stats()).toMatchObject({ warm: 2, spawned: 2, filling: 0 });
      expect(source.spawnCalls).toBe(6);
      await pool.close();
    });

    it("concurrency 1 prepares one VM at a time, as before", async () => {
      const { pool, source } = makeHeldPool({ warm: 2, spawned: 2 }, 1);
      pool.refill();
      for (let i = 0; i < 4; i++) {
        await settle();
        expect(source.pendingSpawns).toBe(1);
        expect(pool.stats().filling).toBe(1);
        pool.refill();
        source.release(true);
      }
      source.release();
      await pool.whenFilled();
      expect(pool.stats()).toMatchObject({ warm: 2, spawned: 2 });
      expect(source.spawnCalls).toBe(4);
      await pool.close();
    });

    it("destroys the VMs in flight that lowered targets no longer want", async () => {
      const { pool, source } = makeHeldPool({ warm: 3, spawned: 0 }, 3);
      pool.refill();
      await settle();
      expect(source.pendingSpawns).toBe(3);
      pool.setTargets({ warm: 1, spawned: 0 });
      source.release();
      await pool.whenFilled();
      expect(pool.stats()).toMatchObject({ warm: 1, spawned: 0, filling: 0 });
      expect(source.vms.map((vm) => vm.destroyCalls).sort()).toEqual([0, 1, 1]);
      expect(source.live()).toHaveLength(1);
      await pool.close();
    });

    it("a failed fill stops its own worker only; it is logged and the others fill", async () => {
      const lines: string[] = [];
      const source = new FakeCloneSource();
      source.failSpawns = 1;
      const pool = new WarmPool(
        "base",
        source,
        { warm: 3, spawned: 0 },
        createLogger({ level: "warn", sink: (l) => lines.push(l) }),
        () => {},
        2,
      );
      await pool.whenFilled();
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0] as string)).toMatchObject({ msg: "pool fill failed" });
      expect(pool.stats()).toMatchObject({ warm: 3, filling: 0 });
      expect(source.spawnCalls).toBe(4);
      await pool.close();
    });

    it("whenFilled waits for every worker", async () => {
      const { pool, source } = makePool({ warm: 2, spawned: 0 }, new FakeCloneSource(), 2);
      source.warmUpBehavior = "hold";
      let filled = false;
      const filling = pool.whenFilled().then(() => {
        filled = true;
      });
      await settle();
      const [a, b] = source.vms as [FakeVm, FakeVm];
      expect(a.heldWarmUps).toHaveLength(1);
      expect(b.heldWarmUps).toHaveLength(1);
      a.heldWarmUps[0]?.resolve();
      await settle();
      expect(filled).toBe(false);
      b.heldWarmUps[0]?.resolve();
      await filling;
      expect(pool.stats()).toMatchObject({ warm: 2, filling: 0 });
      await pool.close();
    });

    it("close() waits for every fill in flight and destroys their VMs", async () => {
      const { pool, source } = makeHeldPool({ warm: 2, spawned: 2 }, 4);
      pool.refill();
      await settle();
      expect(source.pendingSpawns).toBe(4);
      let closed = false;
      const closing = pool.close().then(() => {
        closed = true;
      });
      await settle();
      expect(closed).toBe(false);
      source.release();
      await closing;
      expect(source.vms).toHaveLength(4);
      expect(source.live()).toHaveLength(0);
      expect(pool.held()).toBe(0);
    });
  });
});
