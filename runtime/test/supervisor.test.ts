import { silentLogger } from "@edgevm/observability";
import { describe, expect, it } from "vitest";
import {
  BACKOFF,
  type ChildHandle,
  failuresAfterExit,
  nextBackoff,
  Supervisor,
  type SupervisorEvent,
} from "../src/supervisor.js";

describe("nextBackoff", () => {
  it("starts at 100 ms and doubles", () => {
    expect([0, 1, 2, 3, 4].map((n) => nextBackoff(n))).toEqual([100, 200, 400, 800, 1600]);
  });

  it("caps at 10 s", () => {
    expect(nextBackoff(7)).toBe(10_000); // 12 800 capped
    expect(nextBackoff(50)).toBe(10_000);
    expect(nextBackoff(5000)).toBe(10_000);
  });

  it("treats negative and fractional attempts sanely", () => {
    expect(nextBackoff(-3)).toBe(100);
    expect(nextBackoff(1.7)).toBe(200);
  });

  it("follows a custom policy", () => {
    const policy = { initialMs: 10, factor: 3, maxMs: 100, resetAfterMs: 5 };
    expect([0, 1, 2, 3].map((n) => nextBackoff(n, policy))).toEqual([10, 30, 90, 100]);
  });
});

describe("failuresAfterExit", () => {
  it("keeps counting while a child crashes quickly", () => {
    expect(failuresAfterExit(3, 29_999)).toBe(3);
  });

  it("forgets earlier crashes after 30 s of healthy running", () => {
    expect(BACKOFF.resetAfterMs).toBe(30_000);
    expect(failuresAfterExit(6, 30_000)).toBe(0);
  });
});

/** A fake child: `crash()` makes it exit as if killed from outside. */
class FakeChild implements ChildHandle {
  static nextPid = 1000;
  readonly pid = FakeChild.nextPid++;
  stopped = false;
  #resolve!: (exit: string) => void;
  readonly exited = new Promise<string>((resolve) => {
    this.#resolve = resolve;
  });
  crash(): void {
    this.#resolve("crashed");
  }
  async stop(): Promise<string> {
    this.stopped = true;
    this.#resolve("stopped");
    return this.exited;
  }
}

const FAST = { initialMs: 5, factor: 2, maxMs: 20, resetAfterMs: 1_000 };

function collect(supervisor: Supervisor<FakeChild>): SupervisorEvent[] {
  const events: SupervisorEvent[] = [];
  supervisor.on((e) => events.push(e));
  return events;
}

function nextStart(supervisor: Supervisor<FakeChild>): Promise<number> {
  return new Promise((resolve) => {
    const off = supervisor.on((e) => {
      if (e.type === "started") {
        off();
        resolve(e.pid);
      }
    });
  });
}

describe("Supervisor", () => {
  it("restarts a crashed child with growing backoff", async () => {
    const children: FakeChild[] = [];
    const supervisor = new Supervisor<FakeChild>({ logger: silentLogger(), policy: FAST });
    const events = collect(supervisor);
    const first = await supervisor.add({
      name: "w",
      start: async () => {
        const c = new FakeChild();
        children.push(c);
        return c;
      },
    });
    expect(supervisor.get("w")).toBe(first);

    for (let i = 0; i < 3; i++) {
      const started = nextStart(supervisor);
      children.at(-1)?.crash();
      const pid = await started;
      expect(supervisor.get("w")?.pid).toBe(pid);
    }
    expect(events.filter((e) => e.type === "restarting").map((e) => e.delayMs)).toEqual([
      5, 10, 20,
    ]);
    expect(events.filter((e) => e.type === "started").map((e) => e.restarts)).toEqual([0, 1, 2, 3]);
    await supervisor.stopAll();
    expect(children.at(-1)?.stopped).toBe(true);
    expect(supervisor.names()).toEqual([]);
  });

  it("resets the backoff after a healthy run", async () => {
    let now = 0;
    const children: FakeChild[] = [];
    const supervisor = new Supervisor<FakeChild>({
      logger: silentLogger(),
      policy: FAST,
      now: () => now,
    });
    const events = collect(supervisor);
    await supervisor.add({
      name: "w",
      start: async () => children[children.push(new FakeChild()) - 1] as FakeChild,
    });
    let started = nextStart(supervisor);
    children.at(-1)?.crash(); // quick crash: 5 ms
    await started;
    started = nextStart(supervisor);
    children.at(-1)?.crash(); // quick crash: 10 ms
    await started;
    now += 5_000; // healthy for longer than resetAfterMs
    started = nextStart(supervisor);
    children.at(-1)?.crash();
    await started;
    expect(events.filter((e) => e.type === "restarting").map((e) => e.delayMs)).toEqual([5, 10, 5]);
    await supervisor.stopAll();
  });

  it("keeps retrying when a restart fails, and reports it", async () => {
    let fail = 0;
    const children: FakeChild[] = [];
    const supervisor = new Supervisor<FakeChild>({ logger: silentLogger(), policy: FAST });
    const events = collect(supervisor);
    await supervisor.add({
      name: "w",
      start: async () => {
        if (fail > 0) {
          fail--;
          throw new Error("boom");
        }
        const c = new FakeChild();
        children.push(c);
        return c;
      },
    });
    fail = 2;
    const started = nextStart(supervisor);
    children.at(-1)?.crash();
    await started;
    expect(events.filter((e) => e.type === "start-failed")).toHaveLength(2);
    expect(events.filter((e) => e.type === "restarting").map((e) => e.delayMs)).toEqual([
      5, 10, 20,
    ]);
    await supervisor.stopAll();
  });

  it("rejects when the first start fails and does not supervise that child", async () => {
    const supervisor = new Supervisor<FakeChild>({ logger: silentLogger(), policy: FAST });
    await expect(
      supervisor.add({ name: "w", start: () => Promise.reject(new Error("bad config")) }),
    ).rejects.toThrow("bad config");
    expect(supervisor.names()).toEqual([]);
  });

  it("stopAll stops every child and cancels pending restarts", async () => {
    const supervisor = new Supervisor<FakeChild>({
      logger: silentLogger(),
      policy: { ...FAST, initialMs: 60_000, maxMs: 60_000 },
    });
    const a = await supervisor.add({ name: "a", start: async () => new FakeChild() });
    const b = await supervisor.add({ name: "b", start: async () => new FakeChild() });
    const events = collect(supervisor);
    b.crash(); // b now waits 60 s to restart
    await new Promise((resolve) => setImmediate(resolve));
    const t0 = performance.now();
    await supervisor.stopAll();
    expect(performance.now() - t0).toBeLessThan(1_000);
    expect(a.stopped).toBe(true);
    expect(events.filter((e) => e.type === "started")).toHaveLength(0);
    expect(
      events
        .filter((e) => e.type === "stopped")
        .map((e) => e.name)
        .sort(),
    ).toEqual(["a", "b"]);
  });

  it("stops a child whose restart was in flight during stopAll", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let count = 0;
    const children: FakeChild[] = [];
    const supervisor = new Supervisor<FakeChild>({ logger: silentLogger(), policy: FAST });
    const first = await supervisor.add({
      name: "w",
      start: async () => {
        if (count++ > 0) await gate;
        const c = new FakeChild();
        children.push(c);
        return c;
      },
    });
    const restarting = new Promise<void>((resolve) => {
      supervisor.on((e) => {
        if (e.type === "restarting") setTimeout(resolve, 20);
      });
    });
    first.crash();
    await restarting; // the restart is now blocked on the gate
    const stopping = supervisor.stopAll();
    release();
    await stopping;
    expect(children).toHaveLength(2);
    expect(children[1]?.stopped).toBe(true);
  });

  it("refuses two children with one name", async () => {
    const supervisor = new Supervisor<FakeChild>({ logger: silentLogger() });
    await supervisor.add({ name: "w", start: async () => new FakeChild() });
    await expect(supervisor.add({ name: "w", start: async () => new FakeChild() })).rejects.toThrow(
      /already exists/,
    );
    await supervisor.stopAll();
  });
});
