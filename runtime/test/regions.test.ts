import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_FRONT_DOOR_PORT,
  findRegion,
  hashApiKeys,
  httpUrl,
  resolveRegions,
} from "../src/regions.js";

const ENV = { HOME: "/home/u" };

describe("resolveRegions", () => {
  it("defaults to three regions, the front door on 8787 and no keys", () => {
    const config = resolveRegions({}, ENV);
    expect(config.host).toBe("127.0.0.1");
    expect(config.frontDoor).toEqual({
      port: DEFAULT_FRONT_DOOR_PORT,
      url: "http://127.0.0.1:8787",
    });
    expect(config.apiKeys).toEqual([]);
    expect(config.apps).toEqual([]);
    expect(config.stateDir).toBe("/home/u/.cache/edgevm");
    expect(config.regions).toEqual([
      {
        name: "eu-west",
        location: { lat: 48.86, lon: 2.35 },
        port: 8801,
        url: "http://127.0.0.1:8801",
        emulator: { port: 8791, url: "http://127.0.0.1:8791" },
        hosts: [{ id: "eu-west-1", port: 8791, url: "http://127.0.0.1:8791" }],
      },
      {
        name: "us-east",
        location: { lat: 38.9, lon: -77.0 },
        port: 8802,
        url: "http://127.0.0.1:8802",
        emulator: { port: 8792, url: "http://127.0.0.1:8792" },
        hosts: [{ id: "us-east-1", port: 8792, url: "http://127.0.0.1:8792" }],
      },
      {
        name: "ap-south",
        location: { lat: 1.35, lon: 103.8 },
        port: 8803,
        url: "http://127.0.0.1:8803",
        emulator: { port: 8793, url: "http://127.0.0.1:8793" },
        hosts: [{ id: "ap-south-1", port: 8793, url: "http://127.0.0.1:8793" }],
      },
    ]);
  });

  it("runs several hosts in a region from `emulators`, ids <region>-1, -2 …", () => {
    const config = resolveRegions(
      {
        regions: {
          list: [
            {
              name: "r1",
              location: { lat: 0, lon: 0 },
              port: 9000,
              emulators: [{ port: 9101 }, { port: 9102 }],
            },
          ],
        },
      },
      ENV,
    );
    const [r1] = config.regions;
    expect(r1?.hosts).toEqual([
      { id: "r1-1", port: 9101, url: "http://127.0.0.1:9101" },
      { id: "r1-2", port: 9102, url: "http://127.0.0.1:9102" },
    ]);
    // the first host is the configured one (the Worker's EMULATOR binding)
    expect(r1?.emulator).toEqual({ port: 9101, url: "http://127.0.0.1:9101" });
  });

  it("needs exactly one of emulator and emulators, and unique host ports", () => {
    const region = (extra: object) => ({
      regions: { list: [{ name: "r1", location: { lat: 0, lon: 0 }, port: 9000, ...extra }] },
    });
    expect(() => resolveRegions(region({}), ENV)).toThrow(/either emulator/);
    expect(() =>
      resolveRegions(region({ emulator: { port: 9101 }, emulators: [{ port: 9102 }] }), ENV),
    ).toThrow(/either emulator/);
    expect(() => resolveRegions(region({ emulators: [] }), ENV)).toThrow(
      /regions\.list\.0\.emulators/,
    );
    expect(() =>
      resolveRegions(region({ emulators: [{ port: 9101 }, { port: 9101 }] }), ENV),
    ).toThrow(/port 9101 is used twice/);
  });

  it("ignores the rest of the file and accepts a missing file", () => {
    expect(resolveRegions({ emulator: { region: "x" } }, ENV).regions).toHaveLength(3);
    expect(resolveRegions(undefined, ENV).regions).toHaveLength(3);
  });

  it("reads the repository's config/edgevm.json", () => {
    const file: unknown = JSON.parse(
      readFileSync(join(import.meta.dirname, "../../config/edgevm.json"), "utf8"),
    );
    const config = resolveRegions(file, ENV);
    expect(config.regions.map((r) => r.name)).toEqual(["eu-west", "us-east", "ap-south"]);
    // the local edge runs two hosts in eu-west (a multi-host region), one elsewhere
    expect(config.regions.map((r) => r.hosts.map((h) => `${h.id}:${h.port}`))).toEqual([
      ["eu-west-1:8791", "eu-west-2:8794"],
      ["us-east-1:8792"],
      ["ap-south-1:8793"],
    ]);
    // the documented dev key, whose hash the root wrangler.toml's API_KEYS carries
    expect(hashApiKeys(config.apiKeys)).toContainEqual({
      sha256: "2fd7b912a4a302a527303c1ac175d3f720abcb40a64869c07257d69a290f9e0b",
      tenant: "dev",
    });
    expect(config.apps).toEqual([
      { name: "code-runner", port: 8811, url: "http://127.0.0.1:8811", region: "eu-west" },
      { name: "text-pipeline", port: 8821, url: "http://127.0.0.1:8821", region: "eu-west" },
    ]);
  });

  it("hosts every app in the first region", () => {
    const r = (name: string, port: number) => ({
      name,
      location: { lat: 0, lon: 0 },
      port,
      emulator: { port: port + 100 },
    });
    const config = resolveRegions(
      {
        regions: {
          host: "::1",
          list: [r("b", 9001), r("a", 9002)],
          apps: [
            { name: "code-runner", port: 9011 },
            { name: "my-app", port: 0 },
          ],
        },
      },
      ENV,
    );
    expect(config.apps).toEqual([
      { name: "code-runner", port: 9011, url: "http://[::1]:9011", region: "b" },
      { name: "my-app", port: 0, url: "http://[::1]:0", region: "b" },
    ]);
  });

  it("takes regions, host, front door, keys and state dir from the file", () => {
    const config = resolveRegions(
      {
        regions: {
          host: "::1",
          stateDir: "/srv/edgevm",
          frontDoor: { port: 9000 },
          apiKeys: [{ key: "k".repeat(20), tenant: "acme" }],
          list: [{ name: "r1", location: { lat: 1, lon: 2 }, port: 0, emulator: { port: 9100 } }],
        },
      },
      ENV,
    );
    expect(config.frontDoor.url).toBe("http://[::1]:9000");
    expect(config.stateDir).toBe("/srv/edgevm");
    expect(config.apiKeys).toEqual([{ key: "k".repeat(20), tenant: "acme" }]);
    expect(config.regions).toEqual([
      {
        name: "r1",
        location: { lat: 1, lon: 2 },
        port: 0,
        url: "http://[::1]:0",
        emulator: { port: 9100, url: "http://[::1]:9100" },
        hosts: [{ id: "r1-1", port: 9100, url: "http://[::1]:9100" }],
      },
    ]);
  });

  it("puts EDGEVM_API_KEY first (tenant default) without duplicating it", () => {
    const key = "env-key-0123456789";
    const config = resolveRegions(
      {
        regions: {
          apiKeys: [
            { key, tenant: "dev" },
            { key: "other-key-0123456789", tenant: "b" },
          ],
        },
      },
      { ...ENV, EDGEVM_API_KEY: key, EDGEVM_STATE_DIR: "/tmp/s" },
    );
    expect(config.apiKeys).toEqual([
      { key, tenant: "default" },
      { key: "other-key-0123456789", tenant: "b" },
    ]);
    expect(config.stateDir).toBe("/tmp/s");
  });

  it.each([
    [{ list: [] }, "regions.list"],
    [
      {
        list: [{ name: "Bad Name", location: { lat: 0, lon: 0 }, port: 1, emulator: { port: 2 } }],
      },
      "regions.list.0.name",
    ],
    [
      { list: [{ name: "a", location: { lat: 91, lon: 0 }, port: 1, emulator: { port: 2 } }] },
      "lat",
    ],
    [
      { list: [{ name: "a", location: { lat: 0, lon: 0 }, port: 70000, emulator: { port: 2 } }] },
      "port",
    ],
    [{ apiKeys: [{ key: "short", tenant: "t" }] }, "apiKeys"],
    [{ apps: [{ name: "Code Runner", port: 1 }] }, "regions.apps.0.name"],
    [{ apps: [{ name: "compute", port: 1 }] }, "not user apps"],
    [{ apps: [{ name: "front-door", port: 1 }] }, "not user apps"],
    [{ apps: [{ name: "a", port: -1 }] }, "regions.apps.0.port"],
    [{ apps: [{ name: "a", port: 1, region: "eu-west" }] }, "region"],
    [{ unknown: 1 }, "unknown"],
  ])("rejects %j with INVALID_CONFIG naming %s", (regions, field) => {
    let caught: unknown;
    try {
      resolveRegions({ regions }, ENV);
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({ code: "INVALID_CONFIG" });
    expect((caught as Error).message).toContain(field);
  });

  it("names the config file and the field in its errors", () => {
    const file = "config/edgevm.json";
    expect(() => resolveRegions({ regions: { list: [] } }, ENV, file)).toThrow(
      expect.objectContaining({
        code: "INVALID_CONFIG",
        message: "config/edgevm.json: regions.list: must have at least 1 entry",
        details: {
          file,
          issues: [{ path: "regions.list", message: "must have at least 1 entry" }],
        },
      }),
    );
    const r = (name: string) => ({
      name,
      location: { lat: 0, lon: 0 },
      port: 0,
      emulator: { port: 0 },
    });
    expect(() => resolveRegions({ regions: { list: [r("a"), r("a")] } }, ENV, file)).toThrow(
      "config/edgevm.json: regions.list: region name a is used twice",
    );
  });

  it("rejects duplicate names and ports (port 0 may repeat)", () => {
    const r = (name: string, port: number, emu: number) => ({
      name,
      location: { lat: 0, lon: 0 },
      port,
      emulator: { port: emu },
    });
    expect(() => resolveRegions({ regions: { list: [r("a", 1, 2), r("a", 3, 4)] } }, ENV)).toThrow(
      /region name a is used twice/,
    );
    expect(() => resolveRegions({ regions: { list: [r("a", 1, 2), r("b", 3, 1)] } }, ENV)).toThrow(
      /port 1 is used twice/,
    );
    expect(() =>
      resolveRegions({ regions: { frontDoor: { port: 2 }, list: [r("a", 1, 2)] } }, ENV),
    ).toThrow(/port 2 is used twice/);
    expect(
      resolveRegions({ regions: { list: [r("a", 0, 0), r("b", 0, 0)] } }, ENV).regions,
    ).toHaveLength(2);
  });

  it("rejects an app name used twice, and app ports used by anything else", () => {
    const list = [{ name: "a", location: { lat: 0, lon: 0 }, port: 1, emulator: { port: 2 } }];
    const app = (name: string, port: number) => ({ name, port });
    const resolve = (apps: Array<{ name: string; port: number }>, frontDoor = 3) =>
      resolveRegions({ regions: { frontDoor: { port: frontDoor }, list, apps } }, ENV);
    expect(() => resolve([app("x", 10), app("x", 11)])).toThrow(/app name x is used twice/);
    expect(() => resolve([app("x", 10), app("y", 10)])).toThrow(/port 10 is used twice/);
    expect(() => resolve([app("x", 1)])).toThrow(/port 1 is used twice/);
    expect(() => resolve([app("x", 2)])).toThrow(/port 2 is used twice/);
    expect(() => resolve([app("x", 3)])).toThrow(/port 3 is used twice/);
    expect(resolve([app("x", 0), app("y", 0)]).apps).toHaveLength(2);
  });
});

describe("hashApiKeys", () => {
  it("hands Workers lowercase hex SHA-256 of each key, never the key", () => {
    const hashed = hashApiKeys([{ key: "secret-key-123456", tenant: "t1" }]);
    expect(hashed).toEqual([
      { sha256: createHash("sha256").update("secret-key-123456").digest("hex"), tenant: "t1" },
    ]);
    expect(hashed[0]?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(hashed)).not.toContain("secret-key");
  });

  it("hashes a known vector", () => {
    expect(hashApiKeys([{ key: "abc", tenant: "x" }])[0]?.sha256).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
  });
});

describe("helpers", () => {
  it("httpUrl brackets IPv6", () => {
    expect(httpUrl("127.0.0.1", 80)).toBe("http://127.0.0.1:80");
    expect(httpUrl("::1", 80)).toBe("http://[::1]:80");
  });

  it("findRegion names the known regions on a miss", () => {
    const config = resolveRegions({}, ENV);
    expect(findRegion(config, "us-east").port).toBe(8802);
    expect(() => findRegion(config, "mars")).toThrow(/known: eu-west, us-east, ap-south/);
  });
});
