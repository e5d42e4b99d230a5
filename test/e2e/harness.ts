import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EmulatorClient } from "@edgevm/contract";
import { type ConfigFile, resolveEmulatorConfig } from "@edgevm/emulator/config/resolve";
import { type EmulatorService, startEmulatorService } from "@edgevm/emulator/service";
import { listOurVms } from "@edgevm/emulator/vm/reaper";
import { createLogger } from "@edgevm/observability";
import { afterAll, beforeAll, expect } from "vitest";

export const SECRET = "e2e-secret-0123456789abcdef";

export interface Harness {
  service: EmulatorService;
  client: EmulatorClient;
  runDir: string;
  stop(): Promise<void>;
}

/**
 * A real emulator service (real QEMU guests) on a free port, with its own run directory; images
 * and templates come from the shared cache so each file does not rebuild them.
 */
export async function startHarness(
  emulator: NonNullable<ConfigFile["emulator"]> = {},
): Promise<Harness> {
  const runDir = mkdtempSync(join(tmpdir(), "edgevm-e2e-"));
  const config = resolveEmulatorConfig(
    {
      emulator: {
        region: "e2e",
        host: "e2e-host",
        secret: SECRET,
        runDir,
        pools: { base: { warm: 2, spawned: 2 } },
        ...emulator,
      },
    },
    process.env,
    { port: 0 },
  );
  const logger = createLogger({
    level: process.env.EDGEVM_LOG_LEVEL === "debug" ? "debug" : "warn",
  });
  const service = await startEmulatorService({ config, logger });
  return {
    service,
    client: new EmulatorClient(service.url, SECRET),
    runDir,
    stop: async () => {
      await service.close();
    },
  };
}

/** What a stopped harness must leave behind: no QEMU process and an empty run directory. */
export function leftovers(runDir: string): { processes: number[]; files: string[] } {
  return { processes: listOurVms(runDir), files: readdirSync(runDir) };
}

export function cleanup(runDir: string): void {
  rmSync(runDir, { recursive: true, force: true });
}

/**
 * One service for a whole test file: started before its tests, stopped after them, and then
 * checked to have left no QEMU process and no file behind.
 */
export function useHarness(emulator: NonNullable<ConfigFile["emulator"]> = {}): () => Harness {
  let h: Harness | undefined;
  beforeAll(async () => {
    h = await startHarness(emulator);
  });
  afterAll(async () => {
    if (!h) return;
    await h.stop();
    expect(leftovers(h.runDir)).toEqual({ processes: [], files: [] });
    cleanup(h.runDir);
  });
  return () => {
    if (!h) throw new Error("the harness is not started");
    return h;
  };
}
