import { tmpdir } from "node:os";
import { join } from "node:path";
import { EdgevmError } from "@edgevm/contract";
import { describe, expect, it } from "vitest";
import { MAX_DEFAULT_FILL_CONCURRENCY } from "../../src/config/pools.js";
import { DEFAULT_LIMITS, DEV_SECRET, resolveEmulatorConfig } from "../../src/config/resolve.js";

const HOME_ENV = { HOME: "/home/tester" };

function expectInvalid(fn: () => unknown, pattern?: RegExp): EdgevmError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(EdgevmError);
  const err = caught as EdgevmError;
  expect(err.code).toBe("INVALID_CONFIG");
  if (pattern) expect(err.message).toMatch(pattern);
  return err;
}

describe("resolveEmulatorConfig", () => {
  it("applies defaults for an empty file and environment", () => {
    const config = resolveEmulatorConfig({}, HOME_ENV, {}, { shmDir: "/dev/shm", cores: 4 });
    expect(config).toEqual({
      region: "local",
      host: "host-1",
      secret: DEV_SECRET,
      secretIsDefault: true,
      listen: { host: "127.0.0.1", port: 8790 },
      accel: "auto",
      stateDir: "/home/tester/.cache/edgevm",
      templateDir: "/dev/shm/edgevm/templates",
      runDir: join(tmpdir(), "edgevm-local-host-1"),
      limits: DEFAULT_LIMITS,
      pools: { base: { min: 0, max: 16, prewarm: 2, spawned: 0 } },
      scaling: { idleToZeroMs: 60_000, fillConcurrency: 2 },
    });
  });

  it("fills one VM in parallel per two cores, 1 to 4, unless configured", () => {
    const at = (cores: number, file: unknown = {}) =>
      resolveEmulatorConfig(file, HOME_ENV, {}, { shmDir: undefined, cores }).scaling
        .fillConcurrency;
    expect(at(1)).toBe(1);
    expect(at(2)).toBe(1);
    expect(at(5)).toBe(2);
    expect(at(8)).toBe(4);
    expect(at(64)).toBe(MAX_DEFAULT_FILL_CONCURRENCY);
    expect(at(2, { emulator: { scaling: { fillConcurrency: 2 } } })).toBe(2);
    expect(at(64, { emulator: { scaling: { fillConcurrency: 8 } } })).toBe(8);
  });

  it("treats an undefined/null file like an empty one", () => {
    expect(resolveEmulatorConfig(undefined, HOME_ENV)).toEqual(resolveEmulatorConfig({}, HOME_ENV));
    expect(resolveEmulatorConfig(null, HOME_ENV)).toEqual(resolveEmulatorConfig({}, HOME_ENV));
  });

  it("reads values from the file", () => {
    const config = resolveEmulatorConfig(
      {
        $comment: "test",
        emulator: {
          region: "eu-west",
          host: "h7",
          secret: "a-file-secret-of-16+",
          listen: { host: "0.0.0.0", port: 9000 },
          accel: "tcg",
          stateDir: "/var/lib/edgevm",
          runDir: "/run/edgevm",
          limits: { slots: 3, maxQueue: 5 },
          pools: { base: { warm: 1, spawned: 0 }, big: { warm: 0, spawned: 1 } },
        },
      },
      HOME_ENV,
    );
    expect(config.region).toBe("eu-west");
    expect(config.host).toBe("h7");
    expect(config.secret).toBe("a-file-secret-of-16+");
    expect(config.secretIsDefault).toBe(false);
    expect(config.listen).toEqual({ host: "0.0.0.0", port: 9000 });
    expect(config.accel).toBe("tcg");
    expect(config.stateDir).toBe("/var/lib/edgevm");
    expect(config.runDir).toBe("/run/edgevm");
    expect(config.limits).toEqual({ ...DEFAULT_LIMITS, slots: 3, maxQueue: 5 });
    // the old { warm, spawned } shape: min = prewarm = warm; max from the slots (2 × 3)
    expect(config.pools).toEqual({
      base: { min: 1, max: 6, prewarm: 1, spawned: 0 },
      big: { min: 0, max: 6, prewarm: 0, spawned: 1 },
    });
    expect(config.scaling.idleToZeroMs).toBe(60_000);
  });

  it("lets the environment override the file", () => {
    const file = {
      emulator: {
        region: "file-region",
        secret: "file-secret-0123456789",
        accel: "tcg",
        pools: { base: { warm: 1, spawned: 1 } },
      },
    };
    const config = resolveEmulatorConfig(file, {
      ...HOME_ENV,
      EDGEVM_REGION: "env-region",
      EDGEVM_EMULATOR_SECRET: "env-secret",
      EDGEVM_ACCEL: "kvm",
      EDGEVM_POOL_WARM: "5",
      EDGEVM_POOL_SPAWNED: "0",
      EDGEVM_HOST_ID: "env-host",
      EDGEVM_EMULATOR_PORT: "1234",
      EDGEVM_STATE_DIR: "/env/state",
      EDGEVM_RUN_DIR: "/env/run",
    });
    expect(config.region).toBe("env-region");
    expect(config.secret).toBe("env-secret");
    expect(config.secretIsDefault).toBe(false);
    expect(config.accel).toBe("kvm");
    expect(config.pools).toEqual({ base: { min: 5, max: 16, prewarm: 5, spawned: 0 } });
    expect(config.host).toBe("env-host");
    expect(config.listen.port).toBe(1234);
    expect(config.stateDir).toBe("/env/state");
    expect(config.runDir).toBe("/env/run");
  });

  it("applies EDGEVM_POOL_WARM to every configured pool and keeps spawned", () => {
    const config = resolveEmulatorConfig(
      { emulator: { pools: { a: { warm: 1, spawned: 3 }, b: { warm: 2, spawned: 4 } } } },
      { ...HOME_ENV, EDGEVM_POOL_WARM: "0" },
    );
    expect(config.pools).toEqual({
      a: { min: 0, max: 16, prewarm: 0, spawned: 3 },
      b: { min: 0, max: 16, prewarm: 0, spawned: 4 },
    });
  });

  it("lets flags override the environment", () => {
    const config = resolveEmulatorConfig(
      { emulator: { region: "file", accel: "kvm" } },
      {
        ...HOME_ENV,
        EDGEVM_REGION: "env",
        EDGEVM_EMULATOR_SECRET: "env-secret",
        EDGEVM_ACCEL: "kvm",
        EDGEVM_POOL_WARM: "5",
        EDGEVM_EMULATOR_PORT: "1234",
      },
      {
        region: "flag",
        secret: "flag-secret",
        accel: "tcg",
        warm: 1,
        spawned: 0,
        port: 4321,
        listenHost: "::1",
        host: "flag-host",
        stateDir: "/flag/state",
        runDir: "/flag/run",
      },
    );
    expect(config.region).toBe("flag");
    expect(config.secret).toBe("flag-secret");
    expect(config.accel).toBe("tcg");
    expect(config.pools).toEqual({ base: { min: 1, max: 16, prewarm: 1, spawned: 0 } });
    expect(config.listen).toEqual({ host: "::1", port: 4321 });
    expect(config.host).toBe("flag-host");
    expect(config.stateDir).toBe("/flag/state");
    expect(config.runDir).toBe("/flag/run");
  });

  it("undefined flags fall through to the environment", () => {
    const config = resolveEmulatorConfig(
      {},
      { ...HOME_ENV, EDGEVM_REGION: "env" },
      { region: undefined },
    );
    expect(config.region).toBe("env");
  });

  it("the default runDir is derived from region and host", () => {
    const config = resolveEmulatorConfig({}, HOME_ENV, { region: "r1", host: "h2" });
    expect(config.runDir).toBe(join(tmpdir(), "edgevm-r1-h2"));
  });

  it("secretIsDefault is true only when no secret is configured anywhere", () => {
    expect(resolveEmulatorConfig({}, HOME_ENV).secretIsDefault).toBe(true);
    expect(
      resolveEmulatorConfig({}, { ...HOME_ENV, EDGEVM_EMULATOR_SECRET: "s" }).secretIsDefault,
    ).toBe(false);
    expect(resolveEmulatorConfig({}, HOME_ENV, { secret: "s" }).secretIsDefault).toBe(false);
    expect(
      resolveEmulatorConfig({ emulator: { secret: "sixteen-chars-long" } }, HOME_ENV)
        .secretIsDefault,
    ).toBe(false);
  });

  it("rejects an invalid accel from env, flags or file", () => {
    expectInvalid(() => resolveEmulatorConfig({}, { ...HOME_ENV, EDGEVM_ACCEL: "hvf" }), /accel/);
    expectInvalid(() => resolveEmulatorConfig({}, HOME_ENV, { accel: "xen" }), /accel/);
    expectInvalid(() => resolveEmulatorConfig({ emulator: { accel: "hvf" } }, HOME_ENV));
  });

  it("rejects an unknown key in the emulator section (but not at the top level)", () => {
    const err = expectInvalid(() =>
      resolveEmulatorConfig({ emulator: { regoin: "typo" } }, HOME_ENV),
    );
    expect(err.message).toContain("emulator");
    expectInvalid(() => resolveEmulatorConfig({ emulator: { limits: { slotz: 1 } } }, HOME_ENV));
    expectInvalid(() =>
      resolveEmulatorConfig(
        { emulator: { pools: { base: { warm: 1, spawned: 1, cold: 1 } } } },
        HOME_ENV,
      ),
    );
    expect(() => resolveEmulatorConfig({ worker: { anything: true } }, HOME_ENV)).not.toThrow();
  });

  it("reads autoscaled pools: min, max, prewarm (default min) and spawned (default 0)", () => {
    const config = resolveEmulatorConfig(
      {
        emulator: {
          pools: {
            base: { min: 1, max: 12, prewarm: 3 },
            tiny: { max: 4 },
            fixed: { min: 0, max: 0, spawned: 2 },
            empty: {},
          },
          scaling: { idleToZeroMs: 3000, fillConcurrency: 3 },
        },
      },
      HOME_ENV,
    );
    expect(config.pools).toEqual({
      base: { min: 1, max: 12, prewarm: 3, spawned: 0 },
      tiny: { min: 0, max: 4, prewarm: 0, spawned: 0 },
      fixed: { min: 0, max: 0, spawned: 2, prewarm: 0 },
      empty: { min: 0, max: 16, prewarm: 0, spawned: 0 },
    });
    expect(config.scaling).toEqual({ idleToZeroMs: 3000, fillConcurrency: 3 });
  });

  it("a legacy warm above the default max raises max to it", () => {
    const config = resolveEmulatorConfig(
      { emulator: { limits: { slots: 2 }, pools: { base: { warm: 9, spawned: 1 } } } },
      HOME_ENV,
    );
    expect(config.pools).toEqual({ base: { min: 9, max: 9, prewarm: 9, spawned: 1 } });
  });

  it("EDGEVM_POOL_WARM sets min and prewarm of autoscaled pools and raises max if needed", () => {
    const config = resolveEmulatorConfig(
      { emulator: { pools: { base: { min: 0, max: 2, prewarm: 1 } } } },
      { ...HOME_ENV, EDGEVM_POOL_WARM: "3", EDGEVM_POOL_SPAWNED: "1" },
    );
    expect(config.pools).toEqual({ base: { min: 3, max: 3, prewarm: 3, spawned: 1 } });
  });

  it("rejects pools whose bounds are inconsistent, mixed shapes and bad scaling", () => {
    expectInvalid(
      () => resolveEmulatorConfig({ emulator: { pools: { base: { min: 3, max: 2 } } } }, HOME_ENV),
      /emulator\.pools\.base: needs min ≤ prewarm ≤ max/,
    );
    expectInvalid(() =>
      resolveEmulatorConfig({ emulator: { pools: { base: { max: 2, prewarm: 3 } } } }, HOME_ENV),
    );
    expectInvalid(() =>
      resolveEmulatorConfig({ emulator: { pools: { base: { min: 2, prewarm: 1 } } } }, HOME_ENV),
    );
    expectInvalid(() =>
      resolveEmulatorConfig({ emulator: { pools: { base: { warm: 1, max: 4 } } } }, HOME_ENV),
    );
    expectInvalid(() =>
      resolveEmulatorConfig({ emulator: { pools: { base: { warm: 1 } } } }, HOME_ENV),
    );
    expectInvalid(() =>
      resolveEmulatorConfig({ emulator: { scaling: { idleToZeroMs: 0 } } }, HOME_ENV),
    );
    expectInvalid(() =>
      resolveEmulatorConfig({ emulator: { scaling: { idleToZeroSecs: 5 } } }, HOME_ENV),
    );
    expectInvalid(() =>
      resolveEmulatorConfig({ emulator: { scaling: { fillConcurrency: 0 } } }, HOME_ENV),
    );
  });

  it("rejects out-of-range values", () => {
    expectInvalid(() => resolveEmulatorConfig({ emulator: { secret: "short" } }, HOME_ENV));
    expectInvalid(() => resolveEmulatorConfig({ emulator: { limits: { slots: 0 } } }, HOME_ENV));
    expectInvalid(() => resolveEmulatorConfig({ emulator: { listen: { port: 70000 } } }, HOME_ENV));
    expectInvalid(() =>
      resolveEmulatorConfig({ emulator: { pools: { base: { warm: -1, spawned: 0 } } } }, HOME_ENV),
    );
  });

  it("rejects inconsistent memory limits", () => {
    expectInvalid(
      () =>
        resolveEmulatorConfig(
          { emulator: { limits: { minMemoryMiB: 512, maxMemoryMiB: 256 } } },
          HOME_ENV,
        ),
      /MemoryMiB/,
    );
    expectInvalid(
      () => resolveEmulatorConfig({ emulator: { limits: { defaultMemoryMiB: 2048 } } }, HOME_ENV),
      /MemoryMiB/,
    );
    expectInvalid(
      () =>
        resolveEmulatorConfig(
          { emulator: { limits: { minMemoryMiB: 256, defaultMemoryMiB: 128 } } },
          HOME_ENV,
        ),
      /MemoryMiB/,
    );
    expect(() =>
      resolveEmulatorConfig(
        { emulator: { limits: { minMemoryMiB: 128, defaultMemoryMiB: 128, maxMemoryMiB: 128 } } },
        HOME_ENV,
      ),
    ).not.toThrow();
  });

  it("rejects a default timeout above the maximum", () => {
    expectInvalid(
      () =>
        resolveEmulatorConfig(
          { emulator: { limits: { defaultTimeoutMs: 10_000, maxTimeoutMs: 5_000 } } },
          HOME_ENV,
        ),
      /defaultTimeoutMs/,
    );
  });

  it("rejects non-numeric pool and port overrides from the environment", () => {
    expectInvalid(() => resolveEmulatorConfig({}, { ...HOME_ENV, EDGEVM_POOL_WARM: "two" }));
    expectInvalid(() => resolveEmulatorConfig({}, { ...HOME_ENV, EDGEVM_POOL_WARM: "-1" }));
    expectInvalid(() => resolveEmulatorConfig({}, { ...HOME_ENV, EDGEVM_EMULATOR_PORT: "1.5" }));
  });

  it("an empty EDGEVM_POOL_WARM is ignored", () => {
    expect(resolveEmulatorConfig({}, { ...HOME_ENV, EDGEVM_POOL_WARM: "" }).pools).toEqual({
      base: { min: 0, max: 16, prewarm: 2, spawned: 0 },
    });
  });

  it("puts stateDir under XDG_CACHE_HOME when set", () => {
    expect(resolveEmulatorConfig({}, { ...HOME_ENV, XDG_CACHE_HOME: "/xdg/cache" }).stateDir).toBe(
      "/xdg/cache/edgevm",
    );
  });

  it("an explicit stateDir wins over XDG_CACHE_HOME", () => {
    expect(
      resolveEmulatorConfig(
        { emulator: { stateDir: "/s" } },
        { ...HOME_ENV, XDG_CACHE_HOME: "/xdg" },
      ).stateDir,
    ).toBe("/s");
  });

  it("does not mutate the file object or share limits with DEFAULT_LIMITS", () => {
    const file = { emulator: { limits: { slots: 4 }, pools: { base: { warm: 1, spawned: 1 } } } };
    const snapshot = structuredClone(file);
    const config = resolveEmulatorConfig(file, { ...HOME_ENV, EDGEVM_POOL_WARM: "3" });
    expect(file).toEqual(snapshot);
    config.limits.slots = 99;
    expect(DEFAULT_LIMITS.slots).toBe(8);
  });
});

describe("join (region directory membership)", () => {
  const JOIN = "http://127.0.0.1:8801";

  it("is absent unless a join URL is configured", () => {
    expect(resolveEmulatorConfig({}, HOME_ENV).join).toBeUndefined();
    expect("join" in resolveEmulatorConfig({}, HOME_ENV)).toBe(false);
    expect(resolveEmulatorConfig({}, { ...HOME_ENV, EDGEVM_JOIN_URL: "" }).join).toBeUndefined();
  });

  it("reads emulator.join from the file", () => {
    expect(resolveEmulatorConfig({ emulator: { join: { url: JOIN } } }, HOME_ENV).join).toEqual({
      url: JOIN,
    });
    expect(
      resolveEmulatorConfig(
        { emulator: { join: { url: JOIN, advertiseUrl: "https://host-1.eu-west.example:8791" } } },
        HOME_ENV,
      ).join,
    ).toEqual({ url: JOIN, advertiseUrl: "https://host-1.eu-west.example:8791" });
  });

  it("flags win over the environment, which wins over the file", () => {
    const file = { emulator: { join: { url: "http://file:1", advertiseUrl: "http://file:2" } } };
    const env = {
      ...HOME_ENV,
      EDGEVM_JOIN_URL: "http://env:1",
      EDGEVM_ADVERTISE_URL: "http://env:2",
    };
    expect(resolveEmulatorConfig(file, HOME_ENV).join).toEqual({
      url: "http://file:1",
      advertiseUrl: "http://file:2",
    });
    expect(resolveEmulatorConfig(file, env).join).toEqual({
      url: "http://env:1",
      advertiseUrl: "http://env:2",
    });
    expect(
      resolveEmulatorConfig(file, env, { joinUrl: "http://flag:1", advertiseUrl: "http://flag:2" })
        .join,
    ).toEqual({ url: "http://flag:1", advertiseUrl: "http://flag:2" });
    // each field on its own: a flag for one, the file for the other
    expect(
      resolveEmulatorConfig(file, HOME_ENV, { joinUrl: "http://flag:1", advertiseUrl: undefined })
        .join,
    ).toEqual({ url: "http://flag:1", advertiseUrl: "http://file:2" });
    expect(resolveEmulatorConfig({}, { ...HOME_ENV, EDGEVM_JOIN_URL: JOIN }).join).toEqual({
      url: JOIN,
    });
  });

  it("rejects a join or advertise URL that is not http(s)", () => {
    expectInvalid(
      () => resolveEmulatorConfig({ emulator: { join: { url: "127.0.0.1:8801" } } }, HOME_ENV),
      /emulator\.join\.url: .*http\(s\) URL, got "127\.0\.0\.1:8801"/,
    );
    expectInvalid(
      () => resolveEmulatorConfig({}, { ...HOME_ENV, EDGEVM_JOIN_URL: "not a url" }),
      /emulator\.join\.url \(EDGEVM_JOIN_URL\)/,
    );
    expectInvalid(
      () => resolveEmulatorConfig({}, HOME_ENV, { joinUrl: "ftp://x/" }),
      /emulator\.join\.url \(--join\)/,
    );
    expectInvalid(
      () => resolveEmulatorConfig({}, HOME_ENV, { joinUrl: JOIN, advertiseUrl: "host-1:8791" }),
      /emulator\.join\.advertiseUrl \(--advertise\)/,
    );
  });

  it("rejects an advertise URL without a join URL, and unknown join keys", () => {
    expectInvalid(
      () => resolveEmulatorConfig({}, HOME_ENV, { advertiseUrl: "http://127.0.0.1:8791" }),
      /needs a join URL/,
    );
    expectInvalid(() =>
      resolveEmulatorConfig({ emulator: { join: { advertiseUrl: "http://a:1" } } }, HOME_ENV),
    );
    expectInvalid(() =>
      resolveEmulatorConfig(
        { emulator: { join: { url: JOIN, advertise: "http://a:1" } } },
        HOME_ENV,
      ),
    );
  });
});

describe("template directory", () => {
  it("defaults to a tmpfs when the host has one, else the state dir", () => {
    const env = { HOME: "/home/u" };
    expect(resolveEmulatorConfig({}, env, {}, { shmDir: "/dev/shm", cores: 2 }).templateDir).toBe(
      "/dev/shm/edgevm/templates",
    );
    expect(resolveEmulatorConfig({}, env, {}, { shmDir: undefined, cores: 2 }).templateDir).toBe(
      "/home/u/.cache/edgevm/templates",
    );
    expect(
      resolveEmulatorConfig(
        {},
        { ...env, EDGEVM_TEMPLATE_DIR: "/t" },
        {},
        { shmDir: "/dev/shm", cores: 2 },
      ).templateDir,
    ).toBe("/t");
  });
});
