/**
 * A region whose two emulator hosts live in their own network namespaces, as on separate machines:
 * each reaches the region Worker over its own veth link and is reached at its own address. They
 * join the directory with those addresses, share the work, and a host cut off from the network
 * (link down, process still running) leaves the directory within seconds while the other keeps
 * serving; with the link back it rejoins. Skipped where namespaces cannot be made (not root).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bundleWorker, workerEntryPath } from "@edgevm/runtime/bundle";
import { type EmulatorProcess, startEmulatorProcess } from "@edgevm/runtime/emulator-process";
import { resolveRegions } from "@edgevm/runtime/regions";
import { type RegionProcess, startRegion } from "@edgevm/runtime/start-region";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createNetnsHost,
  destroyNetnsHost,
  type NetnsHost,
  netnsAvailable,
  setLink,
} from "../support/netns.js";
import { processesMentioning } from "../support/processes.js";
import { regionHosts as regionHostsOf, until } from "../support/region.js";

const ROOT = join(import.meta.dirname, "..", "..");
const KEY = "e2e-netns-key-0123";
const SECRET = "e2e-netns-secret-0123456789";
/** Fixed ports, away from the other e2e files'. */
const PORTS = { region: 58801, hosts: [58791, 58792] };
const TAG = String(process.pid % 10_000);
const usable = netnsAvailable();

let dir: string;
let region: RegionProcess | undefined;
const namespaces: NetnsHost[] = [];
const hosts: EmulatorProcess[] = [];

beforeAll(async () => {
  if (!usable) return;
  dir = mkdtempSync(join(tmpdir(), "edgevm-e2e-netns-"));
  const configFile = join(dir, "edgevm.json");
  writeFileSync(
    configFile,
    JSON.stringify({
      emulator: { limits: { slots: 2 }, pools: { base: { min: 1, max: 2, prewarm: 1 } } },
    }),
  );
  for (const index of [1, 2]) namespaces.push(createNetnsHost(TAG, index));
  // The Worker listens on every address: each host reaches it through its own link's gateway.
  const regions = resolveRegions({
    regions: {
      host: "0.0.0.0",
      apiKeys: [{ key: KEY, tenant: "e2e" }],
      stateDir: join(dir, "state"),
      list: [
        {
          name: "eu-west",
          location: { lat: 48.86, lon: 2.35 },
          port: PORTS.region,
          emulators: PORTS.hosts.map((port) => ({ port })),
        },
      ],
    },
  });
  const own = regions.regions[0];
  if (!own) throw new Error("no region");
  const bundle = await bundleWorker({
    entry: workerEntryPath(ROOT, "compute"),
    outFile: join(dir, "build", "compute.mjs"),
  });
  region = await startRegion({
    regions,
    region: own,
    emulatorSecret: SECRET,
    bundlePath: bundle.outFile,
  });
  hosts.push(
    ...(await Promise.all(
      namespaces.map((ns, i) =>
        startEmulatorProcess({
          repoRoot: ROOT,
          region: "eu-west",
          hostId: `eu-west-${i + 1}`,
          port: PORTS.hosts[i] ?? 0,
          // listening on every address of its namespace, so the URL the region Worker uses
          // must come from --advertise
          listen: "0.0.0.0",
          advertise: `http://${ns.address}:${PORTS.hosts[i] ?? 0}`,
          secret: SECRET,
          join: `http://${ns.gateway}:${PORTS.region}`,
          launcher: ["ip", "netns", "exec", ns.name],
          env: {
            EDGEVM_CONFIG: configFile,
            EDGEVM_RUN_DIR: join(dir, "run", `h${i + 1}`),
            EDGEVM_LOG_LEVEL: "warn",
          },
        }),
      ),
    )),
  );
});

afterAll(async () => {
  if (!usable) return;
  await Promise.all(hosts.map((h) => h.stop()));
  await region?.stop();
  for (const ns of namespaces) destroyNetnsHost(ns);
  expect(processesMentioning(dir)).toEqual([]);
  rmSync(dir, { recursive: true, force: true });
});

const REGION_URL = `http://127.0.0.1:${PORTS.region}`;

const regionHosts = () => regionHostsOf(REGION_URL, KEY);

async function run(command: string[]): Promise<{ host: string; stdout: string }> {
  const res = await fetch(`${REGION_URL}/v1/jobs`, {
    method: "POST",
    headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
    body: JSON.stringify({ command }),
    signal: AbortSignal.timeout(60_000),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { host: string; stdout: string };
}

describe.skipIf(!usable)("hosts in their own network namespaces", () => {
  it("join the region's directory with the addresses they advertise", async () => {
    const joined = await until(async () => {
      const list = await regionHosts();
      return list.length === 2 ? list : undefined;
    }, 30_000);
    expect(joined.map((h) => [h.id, h.url]).sort()).toEqual([
      ["eu-west-1", `http://${namespaces[0]?.address}:${PORTS.hosts[0]}`],
      ["eu-west-2", `http://${namespaces[1]?.address}:${PORTS.hosts[1]}`],
    ]);
  });

  it("share the work", async () => {
    const results = await Promise.all(
      [1, 2, 3, 4].map(() => run(["sh", "-c", "sleep 1; echo apart"])),
    );
    expect(results.map((r) => r.stdout)).toEqual(Array(4).fill("apart\n"));
    expect(new Set(results.map((r) => r.host))).toEqual(new Set(["eu-west-1", "eu-west-2"]));
  });

  it("a host cut off from the network leaves within seconds; the other serves; it rejoins", async () => {
    const [cut] = namespaces;
    if (!cut) throw new Error("no namespace");
    const before = (await regionHosts()).find((h) => h.id === "eu-west-1");
    setLink(cut, false);
    const cutAt = Date.now();
    await until(
      async () => ((await regionHosts()).some((h) => h.id === "eu-west-1") ? undefined : true),
      10_000,
    );
    // three missed heartbeats (3 s), plus the Worker's 250 ms cache and polling
    expect(Date.now() - cutAt).toBeLessThan(5_000);
    for (const result of await Promise.all([1, 2, 3].map(() => run(["echo", "still"])))) {
      expect(result).toMatchObject({ host: "eu-west-2", stdout: "still\n" });
    }
    setLink(cut, true);
    const back = await until(async () => {
      const list = await regionHosts();
      return list.find((h) => h.id === "eu-west-1");
    }, 10_000);
    // the same process (not a restart): it was only unreachable
    expect(back.startedAt).toBe(before?.startedAt);
  });
});
