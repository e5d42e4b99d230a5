import type { ImageCapacity } from "@edgevm/contract";
import { describe, expect, it } from "vitest";
import { useHarness } from "./harness.js";

/** No job for this long, ms → the pool goes back to zero; short so the test stays short. */
const IDLE_TO_ZERO_MS = 3_000;
const BURST = 50;

const harness = useHarness({
  pools: { base: { min: 0, max: 12 } },
  scaling: { idleToZeroMs: IDLE_TO_ZERO_MS },
});

async function base(): Promise<ImageCapacity> {
  const image = (await harness().client.capacity()).images.find((i) => i.name === "base");
  if (!image) throw new Error("no base image in /v1/capacity");
  return image;
}

/** Polls `/v1/capacity` every 100 ms until `done` holds or the deadline passes; the last reading. */
async function pollUntil(
  done: (image: ImageCapacity) => boolean,
  timeoutMs: number,
  seen: (image: ImageCapacity) => void = () => {},
): Promise<ImageCapacity> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const image = await base();
    seen(image);
    if (done(image) || performance.now() > deadline) return image;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("pools follow demand (autoscaling, real QEMU)", () => {
  it("starts empty with min 0, grows under a burst, and goes back to zero when idle", async () => {
    const before = await base();
    expect(before).toMatchObject({ warm: 0, spawned: 0, targetWarm: 0 });

    // watch the pool while the burst runs
    let maxTarget = 0;
    let maxWarm = 0;
    const watch = (image: ImageCapacity) => {
      maxTarget = Math.max(maxTarget, image.targetWarm);
      maxWarm = Math.max(maxWarm, image.warm);
    };
    let bursting = true;
    const watcher = pollUntil(() => !bursting, 120_000, watch);

    const t0 = performance.now();
    const results = await Promise.all(
      Array.from({ length: BURST }, (_, i) =>
        harness().client.run({ command: ["/bin/sh", "-c", `echo job-${i}`] }),
      ),
    );
    bursting = false;
    await watcher;
    const burstMs = performance.now() - t0;
    for (const [i, r] of results.entries()) {
      expect(r).toMatchObject({ status: "succeeded", stdout: `job-${i}\n` });
    }
    expect(new Set(results.map((r) => r.vm.id)).size).toBe(BURST);

    // after the burst the pool refills towards what the policy asked for, above the idle zero
    const filled = await pollUntil((i) => i.warm >= 3, 15_000, watch);
    expect(maxTarget).toBeGreaterThanOrEqual(3);
    expect(maxTarget).toBeLessThanOrEqual(12);
    expect(filled.warm).toBeGreaterThanOrEqual(3);
    expect(maxWarm).toBeGreaterThanOrEqual(3);

    const metrics = await (await fetch(new URL("/metrics", harness().service.url))).text();
    expect(metrics).toMatch(/edgevm_pool_target\{image="base",state="warm"\} \d+/);
    expect(metrics).toMatch(/edgevm_pool_arrival_rate\{image="base"\} [\d.e-]+/);

    // no job for IDLE_TO_ZERO_MS: back to nothing (the 1 s re-evaluation timer does it)
    const idleStart = performance.now();
    const idle = await pollUntil(
      (i) => i.warm === 0 && i.spawned === 0 && i.targetWarm === 0,
      IDLE_TO_ZERO_MS + 10_000,
    );
    expect(idle).toMatchObject({ warm: 0, spawned: 0, targetWarm: 0 });
    // A VM still being prepared when the target dropped to zero is destroyed once it is ready
    // (a preparation is not cancelled midway): until then it holds its memory.
    let cap = await harness().client.capacity();
    for (const deadline = performance.now() + 10_000; cap.memory.usedMiB > 0; ) {
      if (performance.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 100));
      cap = await harness().client.capacity();
    }
    expect(cap.memory.usedMiB).toBe(0);
    console.log(
      `autoscale: ${BURST} jobs in ${Math.round(burstMs)} ms, max targetWarm ${maxTarget}, ` +
        `max warm ${maxWarm}, back to zero ${Math.round(performance.now() - idleStart)} ms after the pool filled`,
    );

    // and a job after the idle period still runs (on a clone restored for it)
    const after = await harness().client.run({ command: ["echo", "again"] });
    expect(after).toMatchObject({ status: "succeeded", stdout: "again\n" });
    expect(after.vm.start).toBe("restore");
  });
});
