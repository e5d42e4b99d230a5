/**
 * A whole local edge for an e2e test, as `npm start` runs it (`startEdge`), in its own state
 * directory, with the hosts' `emulator` settings written to a config file they read
 * (`EDGEVM_CONFIG`); `stop()` checks that nothing of it survives — no workerd (configs live in the
 * state directory), no emulator host — and puts the environment back.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveEmulatorConfig } from "@edgevm/emulator/config/resolve";
import { createLogger } from "@edgevm/observability";
import { type Edge, startEdge } from "@edgevm/runtime/edge";
import { type RegionsConfig, resolveRegions } from "@edgevm/runtime/regions";
import { expect } from "vitest";
import { processesMentioning } from "./processes.js";

const ROOT = join(import.meta.dirname, "..", "..");

/** The three regions of the default config, by name and location (ports are each test's). */
export const THREE_REGIONS = [
  { name: "eu-west", location: { lat: 48.86, lon: 2.35 } },
  { name: "us-east", location: { lat: 38.9, lon: -77.0 } },
  { name: "ap-south", location: { lat: 1.35, lon: 103.8 } },
] as const;

export interface TestEdgeOptions {
  /** names the state directory (`$TMPDIR/edgevm-e2e-<prefix>-…`) */
  prefix: string;
  /** the config file's `emulator` section, which every host of the edge reads */
  emulator?: Record<string, unknown>;
  /** the `regions` section, given the state directory */
  regions: (stateDir: string) => Record<string, unknown>;
}

export interface TestEdge {
  readonly dir: string;
  readonly regions: RegionsConfig;
  readonly edge: Edge;
  /** starts the same edge again (after `edge.stop()`), keeping its state directory */
  restart(): Promise<Edge>;
  /** stops it, checks that no process of it is left, removes its state and restores the env */
  stop(): Promise<void>;
}

const ENV_KEYS = ["EDGEVM_CONFIG", "EDGEVM_LOG_LEVEL"] as const;

export async function startTestEdge(options: TestEdgeOptions): Promise<TestEdge> {
  const dir = mkdtempSync(join(tmpdir(), `edgevm-e2e-${options.prefix}-`));
  const saved = ENV_KEYS.map((key) => [key, process.env[key]] as const);
  const configFile = join(dir, "edgevm.json");
  writeFileSync(configFile, JSON.stringify({ emulator: options.emulator ?? {} }));
  process.env.EDGEVM_CONFIG = configFile;
  process.env.EDGEVM_LOG_LEVEL = "warn";
  const regions = resolveRegions({ regions: options.regions(dir) }, {});
  const start = () =>
    startEdge({
      repoRoot: ROOT,
      regions,
      emulator: resolveEmulatorConfig({}, process.env),
      logger: createLogger({ level: "warn" }),
    });
  let edge = await start();
  return {
    dir,
    regions,
    get edge() {
      return edge;
    },
    restart: async () => {
      edge = await start();
      return edge;
    },
    stop: async () => {
      await edge.stop();
      for (const [key, value] of saved) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
      expect(processesMentioning(dir)).toEqual([]);
      for (const host of regions.regions.flatMap((r) => r.hosts)) {
        expect(processesMentioning(`--port\0${host.port}`)).toEqual([]);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
