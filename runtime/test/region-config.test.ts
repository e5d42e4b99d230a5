import { describe, expect, it } from "vitest";
import {
  buildRegionConfig,
  COMPATIBILITY_DATE,
  regionPaths,
  regionSocketNames,
  regionsBinding,
} from "../src/region-config.js";
import { hashApiKeys, resolveRegions } from "../src/regions.js";
import { serializeConfig } from "../src/workerd/capnp.js";
import type { Service, Worker, WorkerBinding } from "../src/workerd/config.js";
import { expectGolden } from "./golden.js";

const regions = resolveRegions(
  { regions: { apiKeys: [{ key: "dev-key-0123456789", tenant: "dev" }] } },
  { EDGEVM_STATE_DIR: "/var/lib/edgevm" },
);
const region = regions.regions[1];
if (!region) throw new Error("fixture needs a second region");
const baseInput = () => ({
  regions,
  region,
  module: { embed: "../../build/compute.mjs" },
  emulatorSecret: "emulator-secret-0123456789",
});
const config = buildRegionConfig(baseInput());

function service(name: string): Service {
  const found = config.services.find((s) => s.name === name);
  if (!found) throw new Error(`no service ${name}`);
  return found;
}

function worker(): Worker {
  const s = service("compute");
  if (!("worker" in s)) throw new Error("compute is not a worker");
  return s.worker;
}

function binding(name: string): WorkerBinding {
  const found = worker().bindings?.find((b) => b.name === name);
  if (!found) throw new Error(`no binding ${name}`);
  return found;
}

describe("buildRegionConfig", () => {
  it("binds exactly the compute Worker's contract", () => {
    expect(worker().bindings?.map((b) => b.name)).toEqual([
      "REGION",
      "REGIONS",
      "EMULATOR",
      "EMULATOR_SECRET",
      "API_KEYS",
      "JOBS",
      "HOSTS",
    ]);
    expect(binding("REGION")).toEqual({ name: "REGION", text: "us-east" });
    expect(binding("EMULATOR_SECRET")).toEqual({
      name: "EMULATOR_SECRET",
      text: "emulator-secret-0123456789",
    });
    expect(binding("EMULATOR")).toEqual({ name: "EMULATOR", service: { name: "emulator" } });
    expect(binding("JOBS")).toEqual({
      name: "JOBS",
      durableObjectNamespace: { className: "JobRecord" },
    });
    expect(binding("HOSTS")).toEqual({
      name: "HOSTS",
      durableObjectNamespace: { className: "HostDirectory" },
    });
  });

  it("REGIONS lists every region's name, url and location as JSON text", () => {
    const b = binding("REGIONS");
    if (!("text" in b)) throw new Error("REGIONS is not text");
    expect(JSON.parse(b.text)).toEqual([
      { name: "eu-west", url: "http://127.0.0.1:8801", location: { lat: 48.86, lon: 2.35 } },
      { name: "us-east", url: "http://127.0.0.1:8802", location: { lat: 38.9, lon: -77 } },
      { name: "ap-south", url: "http://127.0.0.1:8803", location: { lat: 1.35, lon: 103.8 } },
    ]);
    expect(b.text).toBe(regionsBinding(regions));
  });

  it("API_KEYS carries hashes and tenants, never the keys", () => {
    const b = binding("API_KEYS");
    if (!("text" in b)) throw new Error("API_KEYS is not text");
    expect(JSON.parse(b.text)).toEqual(hashApiKeys(regions.apiKeys));
    expect(b.text).not.toContain("dev-key-0123456789");
  });

  it("points EMULATOR at the region's emulator host over plain HTTP", () => {
    expect(service("emulator")).toEqual({
      name: "emulator",
      external: { address: "127.0.0.1:8792", http: {} },
    });
  });

  it("stores JobRecord and HostDirectory with SQLite on local disk under the region's state dir", () => {
    expect(worker().durableObjectNamespaces).toEqual([
      { className: "JobRecord", uniqueKey: "edgevm-us-east-JobRecord", enableSql: true },
      { className: "HostDirectory", uniqueKey: "edgevm-us-east-HostDirectory", enableSql: true },
    ]);
    expect(worker().durableObjectStorage).toEqual({ localDisk: "do-storage" });
    expect(service("do-storage")).toEqual({
      name: "do-storage",
      disk: { path: "/var/lib/edgevm/regions/us-east/do", writable: true },
    });
    expect(regionPaths("/var/lib/edgevm", "us-east")).toEqual({
      dir: "/var/lib/edgevm/regions/us-east",
      doStorage: "/var/lib/edgevm/regions/us-east/do",
    });
  });

  it("lets outbound fetch reach local and private addresses", () => {
    expect(worker().globalOutbound).toEqual({ name: "outbound" });
    expect(service("outbound")).toEqual({
      name: "outbound",
      network: { allow: ["public", "private", "local"] },
    });
  });

  it("serves the compute Worker on the region's port, with the pinned compatibility date", () => {
    expect(worker().compatibilityDate).toBe(COMPATIBILITY_DATE);
    expect(COMPATIBILITY_DATE).toBe("2026-07-22");
    expect(worker().modules).toEqual([
      { name: "compute.mjs", esModule: { embed: "../../build/compute.mjs" } },
    ]);
    expect(config.sockets).toEqual([
      { name: "http", address: "127.0.0.1:8802", http: {}, service: { name: "compute" } },
    ]);
  });

  it("serialises to the golden capnp file", () => {
    const { expected, actual } = expectGolden("region-us-east.capnp", serializeConfig(config));
    expect(actual).toBe(expected);
  });
});

describe("buildRegionConfig with user apps", () => {
  const first = regions.regions[0];
  if (!first) throw new Error("fixture needs a first region");
  const withApps = buildRegionConfig({
    regions,
    region: first,
    module: { embed: "../../build/compute.mjs" },
    emulatorSecret: "emulator-secret-0123456789",
    apps: [
      { name: "code-runner", module: { embed: "../../build/code-runner.mjs" }, port: 8811 },
      { name: "text-pipeline", module: { embed: "../../build/text-pipeline.mjs" }, port: 8821 },
    ],
  });

  it("runs each app as its own Worker with VMS bound to the compute Worker's VmService", () => {
    const app = withApps.services.find((s) => s.name === "app-code-runner");
    expect(app).toEqual({
      name: "app-code-runner",
      worker: {
        modules: [{ name: "code-runner.mjs", esModule: { embed: "../../build/code-runner.mjs" } }],
        compatibilityDate: COMPATIBILITY_DATE,
        compatibilityFlags: [],
        bindings: [
          {
            name: "VMS",
            service: {
              name: "compute",
              entrypoint: "VmService",
              props: { json: '{"tenant":"code-runner"}' },
            },
          },
        ],
      },
    });
    expect(withApps.services.map((s) => s.name)).toEqual([
      "compute",
      "emulator",
      "outbound",
      "do-storage",
      "app-code-runner",
      "app-text-pipeline",
    ]);
  });

  it("gives each app its own socket on its port; the region's socket is unchanged", () => {
    expect(withApps.sockets).toEqual([
      { name: "http", address: "127.0.0.1:8801", http: {}, service: { name: "compute" } },
      {
        name: "app-code-runner",
        address: "127.0.0.1:8811",
        http: {},
        service: { name: "app-code-runner" },
      },
      {
        name: "app-text-pipeline",
        address: "127.0.0.1:8821",
        http: {},
        service: { name: "app-text-pipeline" },
      },
    ]);
    expect(regionSocketNames([{ name: "code-runner" }, { name: "text-pipeline" }])).toEqual(
      withApps.sockets.map((s) => s.name),
    );
    expect(regionSocketNames()).toEqual(["http"]);
  });

  it("leaves a region without apps exactly as before", () => {
    expect(buildRegionConfig({ ...baseInput(), apps: [] })).toEqual(config);
  });

  it("serialises to the golden capnp file", () => {
    const { expected, actual } = expectGolden(
      "region-eu-west-apps.capnp",
      serializeConfig(withApps),
    );
    expect(actual).toBe(expected);
  });
});
