/**
 * The conformance suite every VmDriver passes (unstorage style: one interface, one suite, run
 * against each implementation). It checks lifecycle semantics, not isolation: isolation is
 * proven end to end against QEMU in test/e2e.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Vm, VmDriver } from "../../src/vm/driver.js";
import { type BootImage, type TemplateSnapshot, VmState } from "../../src/vm/types.js";

export interface ConformanceSetup {
  driver: VmDriver;
  image: BootImage;
  cleanup?: () => void;
}

async function echo(vm: Vm, text: string): Promise<string> {
  const session = vm.agent.exec({ argv: ["echo", text] });
  let out = "";
  session.onStdout((chunk) => {
    out += chunk.toString("utf8");
  });
  const exit = await session.exit;
  expect(exit).toEqual({ exitCode: 0, signal: null });
  return out;
}

export function describeDriverConformance(
  name: string,
  setup: () => Promise<ConformanceSetup>,
): void {
  describe(`VmDriver conformance: ${name}`, () => {
    let ctx: ConformanceSetup;
    let dir: string;
    let template: TemplateSnapshot;
    const key = { image: "base", memoryMiB: 128, vcpus: 1 };

    beforeAll(async () => {
      ctx = await setup();
      dir = mkdtempSync(join(tmpdir(), "edgevm-conformance-"));
      template = await ctx.driver.bootTemplate(key, ctx.image, join(dir, "template"));
    });

    afterAll(() => {
      rmSync(dir, { recursive: true, force: true });
      ctx?.cleanup?.();
    });

    it("saves a template: both files exist, key and image recorded", () => {
      expect(template.key).toEqual(key);
      expect(template.imageHash).toBe(ctx.image.hash);
      expect(statSync(template.ramPath).size).toBeGreaterThan(0);
      expect(statSync(template.statePath).size).toBeGreaterThan(0);
      expect(template.accel).toBe(ctx.driver.accel);
    });

    it("boots cold to a running VM that runs commands", async () => {
      const vm = await ctx.driver.bootCold(key, ctx.image);
      expect(vm.state).toBe(VmState.Running);
      expect(vm.pid).toBeTypeOf("number");
      expect(await echo(vm, "cold")).toBe("cold\n");
      const exit = await vm.destroy();
      expect(exit.requested).toBe(true);
      expect(vm.state).toBe(VmState.Stopped);
    });

    it("spawns clones in state incoming; restore makes them run", async () => {
      const vm = await ctx.driver.spawnClone(template);
      expect(vm.state).toBe(VmState.Incoming);
      expect(vm.memoryMiB).toBe(128);
      await vm.restore();
      expect(vm.state).toBe(VmState.Running);
      await vm.warmUp();
      expect(await echo(vm, "clone")).toBe("clone\n");
      await vm.destroy();
    });

    it("refuses to restore a VM that is not incoming", async () => {
      const vm = await ctx.driver.spawnClone(template);
      await vm.restore();
      await expect(vm.restore()).rejects.toThrow(/state/);
      await vm.destroy();
    });

    it("gives every clone its own id and process", async () => {
      const [a, b] = await Promise.all([
        ctx.driver.spawnClone(template),
        ctx.driver.spawnClone(template),
      ]);
      expect(a?.id).not.toBe(b?.id);
      expect(a?.pid).not.toBe(b?.pid);
      await Promise.all([a?.destroy(), b?.destroy()]);
    });

    it("destroy is idempotent and resolves with the same exit", async () => {
      const vm = await ctx.driver.spawnClone(template);
      await vm.restore();
      const [first, second] = await Promise.all([vm.destroy(), vm.destroy()]);
      expect(first).toEqual(second);
      expect(await vm.destroy()).toEqual(first);
    });

    it("reports a VM killed from outside as not requested, and fails its pending work", async () => {
      const vm = await ctx.driver.spawnClone(template);
      await vm.restore();
      const session = vm.agent.exec({ argv: ["sleep", "30"] });
      await session.started;
      process.kill(vm.pid ?? -1, "SIGKILL");
      const exit = await vm.exited;
      expect(exit.requested).toBe(false);
      expect(exit.signal).toBe("SIGKILL");
      expect(vm.state).toBe(VmState.Stopped);
      await expect(session.exit).rejects.toThrow();
    });
  });
}
