/**
 * `HostSet` on its own clock, over a real `HostDirectory` (a region of its own, so the other tests'
 * hosts are not in it): its cache of the member list expires when the clock says so, not after a
 * sleep.
 */

import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { CONFIGURED_HOST_ID, HOSTS_CACHE_MS, HostSet } from "../src/hosts/host-set.js";
import type { HostHeartbeat } from "../src/shared/index.js";

function regionEnv() {
  const region = `host-set-${crypto.randomUUID().slice(0, 8)}`;
  const directory = env.HOSTS.get(env.HOSTS.idFromName(region));
  return { env: { ...env, REGION: region }, directory };
}

function beat(region: string, host: string, free: number, warm: number): HostHeartbeat {
  return {
    host,
    region,
    url: `http://${host}.test:8790`,
    startedAt: 1,
    state: "active",
    capacity: {
      region,
      host,
      accel: "tcg",
      slots: { total: free, busy: 0, free },
      queue: { length: 0, max: 4 },
      memory: { budgetMiB: 1024, usedMiB: 0, freeMiB: 1024 },
      images: [{ name: "base", warm, spawned: 0, templates: 1, targetWarm: 1 }],
    },
  };
}

function fakeClock() {
  const clock = { ms: 1_000_000 };
  return { clock, hosts: new HostSet({ now: () => clock.ms, random: () => 0 }) };
}

const ids = (list: Array<{ host: string } | { id: string }>) =>
  list.map((m) => ("host" in m ? m.host : m.id));

describe("HostSet", () => {
  it("reuses the directory's list until HOSTS_CACHE_MS have passed on its clock", async () => {
    const { env: e, directory } = regionEnv();
    const { clock, hosts } = fakeClock();
    expect(await hosts.members(e)).toEqual([]);
    await directory.heartbeat(beat(e.REGION, "h1", 1, 1));
    expect(await hosts.members(e)).toEqual([]);
    clock.ms += HOSTS_CACHE_MS - 1;
    expect(await hosts.members(e)).toEqual([]);
    clock.ms += 1;
    expect(ids(await hosts.members(e))).toEqual(["h1"]);
  });

  it("offers the configured host while the directory is empty (unless it is excluded)", async () => {
    const { env: e } = regionEnv();
    const { hosts } = fakeClock();
    expect(ids(await hosts.candidates(e, "base"))).toEqual([CONFIGURED_HOST_ID]);
    const exclude = new Set([CONFIGURED_HOST_ID]);
    expect(await hosts.candidates(e, "base", { exclude })).toEqual([]);
  });

  it("counts the jobs it placed against a host until they end", async () => {
    const { env: e, directory } = regionEnv();
    const { hosts } = fakeClock();
    await directory.heartbeat(beat(e.REGION, "h1", 1, 1));
    await directory.heartbeat(beat(e.REGION, "h2", 1, 0));
    const [first] = await hosts.candidates(e, "base", { place: true });
    expect(first?.id).toBe("h1");
    // h1's one slot is taken by the job just placed: the next job goes to h2 first
    expect(ids(await hosts.candidates(e, "base"))).toEqual(["h2", "h1"]);
    if (first !== undefined) hosts.noteEnded(first);
    expect(ids(await hosts.candidates(e, "base"))).toEqual(["h1", "h2"]);
  });

  it("drops an unreachable host from its cached list and from the directory", async () => {
    const { env: e, directory } = regionEnv();
    const { clock, hosts } = fakeClock();
    await directory.heartbeat(beat(e.REGION, "h1", 1, 1));
    await directory.heartbeat(beat(e.REGION, "h2", 1, 0));
    const [h1] = await hosts.candidates(e, "base");
    if (h1 === undefined) throw new Error("no candidate");
    await hosts.unreachable(e, h1);
    expect(ids(await hosts.members(e))).toEqual(["h2"]);
    clock.ms += HOSTS_CACHE_MS;
    expect(ids(await hosts.members(e))).toEqual(["h2"]);
    expect(ids(await directory.list())).toEqual(["h2"]);
  });
});
