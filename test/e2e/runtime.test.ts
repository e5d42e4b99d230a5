import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveEmulatorConfig } from "@edgevm/emulator/config/resolve";
import { type EmulatorService, startEmulatorService } from "@edgevm/emulator/service";
import { createLogger } from "@edgevm/observability";
import { bundleWorker } from "@edgevm/runtime/bundle";
import { hashApiKeys, type RegionsConfig, resolveRegions } from "@edgevm/runtime/regions";
import {
  type RegionProcess,
  type RegionStartOptions,
  startRegion,
} from "@edgevm/runtime/start-region";
import { Supervisor } from "@edgevm/runtime/supervisor";
import { startWorkerd } from "@edgevm/runtime/workerd/process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { processesMentioning } from "../support/processes.js";

const SECRET = "runtime-e2e-secret-0123456789";
const API_KEY = "runtime-e2e-key-0123456789";
const dir = mkdtempSync(join(tmpdir(), "edgevm-runtime-e2e-"));
const logger = createLogger({ level: process.env.EDGEVM_LOG_LEVEL === "debug" ? "debug" : "warn" });

let emulator: EmulatorService;
let regions: RegionsConfig;
let options: RegionStartOptions;
const supervisor = new Supervisor<RegionProcess>({ logger });
const pids: number[] = [];

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  const config = resolveEmulatorConfig(
    {
      emulator: {
        region: "e2e",
        host: "e2e-host",
        secret: SECRET,
        runDir: join(dir, "run"),
        pools: { base: { warm: 0, spawned: 0 } },
      },
    },
    process.env,
    { port: 0 },
  );
  emulator = await startEmulatorService({ config, logger, prewarm: false });
  const emulatorPort = Number(new URL(emulator.url).port);
  regions = resolveRegions(
    {
      regions: {
        stateDir: join(dir, "state"),
        apiKeys: [{ key: API_KEY, tenant: "e2e" }],
        list: [
          { name: "e2e", location: { lat: 1, lon: 2 }, port: 0, emulator: { port: emulatorPort } },
        ],
      },
    },
    {},
  );
  const bundle = await bundleWorker({
    entry: join(import.meta.dirname, "fixtures", "hello-worker", "index.ts"),
    outFile: join(dir, "build", "hello.mjs"),
  });
  const region = regions.regions[0];
  if (!region) throw new Error("no region");
  options = { regions, region, bundlePath: bundle.outFile, emulatorSecret: SECRET };
});

afterAll(async () => {
  await supervisor.stopAll();
  await emulator?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("a region on workerd", () => {
  it("starts under the supervisor; readiness and the real port come from the control channel", async () => {
    const proc = await supervisor.add({ name: "region:e2e", start: () => startRegion(options) });
    pids.push(proc.pid);
    expect(proc.ports.get("http")).toBe(proc.port);
    expect(proc.port).toBeGreaterThan(0); // the config asked for port 0
    expect(readFileSync(proc.configPath, "utf8")).toContain('address = "127.0.0.1:0"');
    expect(existsSync(join(dir, "state", "regions", "e2e", "do"))).toBe(true);
  });

  it("serves the Worker with its bindings and reaches the emulator through EMULATOR", async () => {
    const proc = supervisor.get("region:e2e");
    const res = await fetch(`${proc?.url}/`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      region: "e2e",
      regions: [{ name: "e2e", url: "http://127.0.0.1:0", location: { lat: 1, lon: 2 } }],
      emulatorSecret: SECRET,
      apiKeys: hashApiKeys([{ key: API_KEY, tenant: "e2e" }]),
      jobs: "object",
      emulator: { status: 200, body: expect.objectContaining({}) },
    });
    expect(JSON.stringify(body)).not.toContain(API_KEY);
  });

  it("restarts workerd after it is killed, and serves again", async () => {
    const before = supervisor.get("region:e2e");
    if (!before) throw new Error("not running");
    const restarted = new Promise<number>((resolve) => {
      const off = supervisor.on((e) => {
        if (e.type === "started") {
          off();
          resolve(e.pid);
        }
      });
    });
    process.kill(before.pid, "SIGKILL");
    const pid = await restarted;
    pids.push(pid);
    expect(pid).not.toBe(before.pid);
    const after = supervisor.get("region:e2e");
    expect(after?.pid).toBe(pid);
    const res = await fetch(`${after?.url}/text`);
    expect(await res.text()).toBe('quote " backslash \\ euro € newline\n');
  });

  it("keeps Durable Object (SQLite) state on local disk across a restart", async () => {
    const url = supervisor.get("region:e2e")?.url;
    const first = (await (await fetch(`${url}/job`)).json()) as { hits: number };
    const restarted = new Promise<void>((resolve) => {
      const off = supervisor.on((e) => {
        if (e.type === "started") {
          off();
          pids.push(e.pid);
          resolve();
        }
      });
    });
    process.kill(supervisor.get("region:e2e")?.pid ?? 0, "SIGTERM");
    await restarted;
    const again = (await (await fetch(`${supervisor.get("region:e2e")?.url}/job`)).json()) as {
      hits: number;
    };
    expect(again.hits).toBe(first.hits + 1);
    expect(readdirSync(join(dir, "state", "regions", "e2e", "do")).length).toBeGreaterThan(0);
  });

  it("serves an inline module with quotes, backslashes, newlines and non-ASCII verbatim", async () => {
    // esbuild writes ASCII only; a trailing comment adds raw non-ASCII text to the module
    const source = `${readFileSync(options.bundlePath, "utf8")}\n// non-ASCII: € ✓ "q" \\\n`;
    const proc = await startRegion({
      ...options,
      region: { ...options.region, name: "inline" },
      inline: { source },
    });
    pids.push(proc.pid);
    try {
      expect(readFileSync(proc.configPath, "utf8")).toContain("\\xe2\\x82\\xac");
      const res = await fetch(`${proc.url}/text`);
      expect(await res.text()).toBe('quote " backslash \\ euro € newline\n');
    } finally {
      await proc.stop();
    }
  });

  it("reports a config workerd rejects as WORKERD_START_FAILED with its stderr", async () => {
    const configPath = join(dir, "bad.capnp");
    writeFileSync(configPath, "this is not capnp\n");
    await expect(startWorkerd({ configPath, sockets: ["http"] })).rejects.toMatchObject({
      code: "WORKERD_START_FAILED",
      message: expect.stringContaining("exited during start-up"),
    });
  });

  it("stopAll leaves no workerd process", async () => {
    await supervisor.stopAll();
    expect(supervisor.names()).toEqual([]);
    for (const pid of pids) expect(alive(pid)).toBe(false);
    expect(processesMentioning(dir)).toEqual([]);
  });
});
