/**
 * User apps on the local edge, for real: one emulator host (QEMU guests) and one region whose
 * workerd runs the compute Worker and the example apps `code-runner` and `text-pipeline` (real
 * bundles), each app calling the compute Worker's `VmService` over its `VMS` RPC binding.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseStreamEvents } from "@edgevm/contract";
import { resolveEmulatorConfig } from "@edgevm/emulator/config/resolve";
import { type EmulatorService, startEmulatorService } from "@edgevm/emulator/service";
import { createLogger } from "@edgevm/observability";
import { bundleWorker, workerEntryPath } from "@edgevm/runtime/bundle";
import { resolveRegions } from "@edgevm/runtime/regions";
import { type RegionProcess, startRegion } from "@edgevm/runtime/start-region";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { processesMentioning } from "../support/processes.js";

const ROOT = join(import.meta.dirname, "..", "..");
const SECRET = "apps-e2e-secret-0123456789";
const APPS = ["code-runner", "text-pipeline"];
const dir = mkdtempSync(join(tmpdir(), "edgevm-apps-e2e-"));
const logger = createLogger({ level: process.env.EDGEVM_LOG_LEVEL === "debug" ? "debug" : "warn" });

let emulator: EmulatorService | undefined;
let region: RegionProcess | undefined;

function appUrl(name: string): string {
  const app = region?.apps.find((a) => a.name === name);
  if (!app) throw new Error(`app ${name} is not running`);
  return app.url;
}

function run(body: unknown, query = ""): Promise<Response> {
  return fetch(`${appUrl("code-runner")}/run${query}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

beforeAll(async () => {
  const config = resolveEmulatorConfig(
    {
      emulator: {
        region: "apps",
        host: "apps-host",
        secret: SECRET,
        runDir: join(dir, "run"),
        pools: { base: { warm: 1, spawned: 0 } },
      },
    },
    process.env,
    { port: 0 },
  );
  const [, bundles] = await Promise.all([
    startEmulatorService({ config, logger }).then((service) => {
      emulator = service;
    }),
    Promise.all(
      ["compute", ...APPS].map((app) =>
        bundleWorker({
          entry: workerEntryPath(ROOT, app),
          outFile: join(dir, "build", `${app}.mjs`),
        }),
      ),
    ),
  ]);
  if (!emulator) throw new Error("no emulator");
  const regions = resolveRegions(
    {
      regions: {
        stateDir: join(dir, "state"),
        list: [
          {
            name: "apps",
            location: { lat: 1, lon: 2 },
            port: 0,
            emulator: { port: Number(new URL(emulator.url).port) },
          },
        ],
        apps: APPS.map((name) => ({ name, port: 0 })),
      },
    },
    {},
  );
  const [compute, ...appBundles] = bundles;
  const first = regions.regions[0];
  if (!compute || !first) throw new Error("no compute bundle or region");
  region = await startRegion({
    regions,
    region: first,
    emulatorSecret: SECRET,
    bundlePath: compute.outFile,
    apps: regions.apps.map((app, i) => ({
      name: app.name,
      port: app.port,
      bundlePath: appBundles[i]?.outFile ?? "",
    })),
  });
});

afterAll(async () => {
  await region?.stop();
  await emulator?.close();
  // no workerd of this test survives it
  expect(processesMentioning(dir)).toEqual([]);
  rmSync(dir, { recursive: true, force: true });
});

describe("user apps next to the compute Worker", () => {
  it("listens on every app's socket (real ports from the control channel)", () => {
    expect(region?.apps.map((a) => a.name)).toEqual(APPS);
    for (const app of region?.apps ?? []) {
      expect(app.port).toBeGreaterThan(0);
      expect(region?.ports.get(`app-${app.name}`)).toBe(app.port);
    }
  });

  it("code-runner runs sh in a real VM through VmService", async () => {
    const response = await run({ language: "sh", code: "echo hi from $(uname -r); exit 3" });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      stdout: string;
      exitCode: number;
      status: string;
      vm: { id: string };
    };
    expect(body.stdout).toMatch(/^hi from \d/);
    expect(body).toMatchObject({ exitCode: 3, status: "failed" });
    expect(body.vm.id).toMatch(/\S/);
  });

  it("streams the run as Server-Sent Events", async () => {
    const response = await run(
      { language: "sh", code: "echo streamed; echo oops >&2" },
      "?stream=1",
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const events = parseStreamEvents(await response.text());
    expect(events[0]?.event).toBe("start");
    expect(events.at(-1)).toMatchObject({ event: "exit", data: { exitCode: 0 } });
    const output = (name: "stdout" | "stderr") =>
      events.map((e) => (e.event === name ? e.data.data : "")).join("");
    expect(output("stdout")).toBe("streamed\n");
    expect(output("stderr")).toBe("oops\n");
  });

  it("runs awk over stdin", async () => {
    const response = await run({
      language: "awk",
      code: "{ s += $1 } END { print s }",
      stdin: "1\n2\n39\n",
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      stdout: "42\n",
      exitCode: 0,
      status: "succeeded",
    });
  });

  it("serves code-runner's page, and text-pipeline next to it", async () => {
    const page = await fetch(`${appUrl("code-runner")}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(await page.text()).toContain("<textarea");
    const usage = await fetch(`${appUrl("text-pipeline")}/`);
    expect(usage.status).toBe(200);
    await usage.text();
  });
});
