import { describe, expect, it } from "vitest";
import {
  dropUnreachable,
  expireMembers,
  type MemberTable,
  nextExpiry,
  recordHeartbeat,
} from "../../src/hosts/members.js";
import type { HostHeartbeat } from "../../src/shared/index.js";

function beat(
  host: string,
  startedAt = 1,
  state: HostHeartbeat["state"] = "active",
): HostHeartbeat {
  return {
    host,
    region: "r",
    url: `http://${host}:8790`,
    startedAt,
    state,
    capacity: {
      region: "r",
      host,
      accel: "tcg",
      slots: { total: 1, busy: 0, free: 1 },
      queue: { length: 0, max: 1 },
      memory: { budgetMiB: 1, usedMiB: 0, freeMiB: 1 },
      images: [],
    },
  };
}

describe("the member table", () => {
  it("tells a new host, a refresh and a restarted host apart", () => {
    const table: MemberTable = new Map();
    expect(recordHeartbeat(table, beat("a"), 100).kind).toBe("joined");
    const refreshed = recordHeartbeat(table, beat("a", 1, "draining"), 200);
    expect(refreshed).toMatchObject({
      kind: "refreshed",
      member: { joinedAt: 100, lastSeenAt: 200, state: "draining" },
    });
    expect(recordHeartbeat(table, beat("a", 2), 300)).toMatchObject({
      kind: "rejoined",
      previousStartedAt: 1,
      member: { joinedAt: 300, startedAt: 2 },
    });
  });

  it("expires hosts silent for the TTL, and says when the next one may expire", () => {
    const table: MemberTable = new Map();
    recordHeartbeat(table, beat("a"), 1_000);
    recordHeartbeat(table, beat("b"), 2_000);
    expect(nextExpiry(table, 3_000)).toBe(4_000);
    expect(expireMembers(table, 3_999, 3_000)).toEqual([]);
    expect(expireMembers(table, 4_000, 3_000).map((m) => m.host)).toEqual(["a"]);
    expect([...table.keys()]).toEqual(["b"]);
    expect(nextExpiry(new Map(), 3_000)).toBeUndefined();
  });

  it("drops an unreachable host only for the incarnation that was reported", () => {
    const table: MemberTable = new Map();
    recordHeartbeat(table, beat("a", 2), 0);
    expect(dropUnreachable(table, "a", 1)).toBeUndefined();
    expect(table.has("a")).toBe(true);
    expect(dropUnreachable(table, "a", 2)?.host).toBe("a");
    expect(table.has("a")).toBe(false);
    expect(dropUnreachable(table, "zz", 2)).toBeUndefined();
  });
});
