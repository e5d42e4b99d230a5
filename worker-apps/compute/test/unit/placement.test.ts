import { describe, expect, it } from "vitest";
import type { Member } from "../../src/hosts/members.js";
import { rankHosts } from "../../src/hosts/placement.js";

function member(
  host: string,
  shape: { free?: number; warm?: number; queue?: number; draining?: boolean } = {},
): Member {
  const free = shape.free ?? 4;
  return {
    host,
    url: `http://${host}:8790`,
    state: shape.draining ? "draining" : "active",
    startedAt: 1,
    joinedAt: 0,
    lastSeenAt: 0,
    capacity: {
      region: "r",
      host,
      accel: "tcg",
      slots: { total: 4, busy: 4 - free, free },
      queue: { length: shape.queue ?? 0, max: 4 },
      memory: { budgetMiB: 1024, usedMiB: 0, freeMiB: 1024 },
      images: [
        { name: "base", warm: shape.warm ?? 0, spawned: 0, templates: 1, targetWarm: 0 },
        { name: "python", warm: 5, spawned: 0, templates: 1, targetWarm: 0 },
      ],
    },
  };
}

const order = (input: Parameters<typeof rankHosts>[0]) =>
  rankHosts({ random: () => 0.5, ...input }).map((r) => `${r.member.host}:${r.tier}`);

describe("rankHosts", () => {
  it("prefers a free slot with a warm VM of the job's image, then a free slot, then queue room", () => {
    const members = [
      member("full", { free: 0, queue: 4 }),
      member("queue", { free: 0, queue: 1 }),
      member("cold", { free: 4, warm: 0 }),
      member("warm", { free: 1, warm: 1 }),
    ];
    expect(order({ members, image: "base" })).toEqual(["warm:0", "cold:1", "queue:2", "full:3"]);
    // warm VMs are per image: for python every host with a free slot is warm
    expect(order({ members, image: "python" })).toEqual(["cold:0", "warm:0", "queue:2", "full:3"]);
  });

  it("within a tier: more free slots, then more warm VMs, then the random tie-break", () => {
    const members = [
      member("a", { free: 2, warm: 1 }),
      member("b", { free: 3, warm: 1 }),
      member("c", { free: 3, warm: 2 }),
    ];
    expect(order({ members, image: "base" })).toEqual(["c:0", "b:0", "a:0"]);
    const twins = [member("x", { warm: 1 }), member("y", { warm: 1 })];
    const draws = [0.9, 0.1];
    expect(order({ members: twins, image: "base", random: () => draws.shift() ?? 0 })).toEqual([
      "y:0",
      "x:0",
    ]);
  });

  it("counts this isolate's jobs the heartbeat does not show against slots and warm VMs; fewer of them wins a tie", () => {
    const members = [member("a", { free: 2, warm: 2 }), member("b", { free: 1, warm: 1 })];
    expect(order({ members, image: "base", placedSince: new Map([["a", 2]]) })).toEqual([
      "b:0",
      "a:2",
    ]);
    // a: 1 free, 1 warm left — level with b, which has none of this isolate's jobs: b first
    expect(order({ members, image: "base", placedSince: new Map([["a", 1]]) })).toEqual([
      "b:0",
      "a:0",
    ]);
  });

  it("leaves out draining and excluded hosts", () => {
    const members = [member("a", { warm: 4, draining: true }), member("b"), member("c")];
    expect(order({ members, image: "base", exclude: new Set(["c"]) })).toEqual(["b:1"]);
    expect(rankHosts({ members: [], image: "base" })).toEqual([]);
  });
});
