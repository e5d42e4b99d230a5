/**
 * Pure: the order in which a region Worker tries its hosts for one job. The Worker tries them in
 * this order and moves on when a host answers with a capacity error (429/503) or cannot be
 * connected to, so the order only has to be good, not exact: host capacity comes from heartbeats
 * (up to a second old), corrected by the jobs this isolate sent that they do not show yet.
 *
 * Tiers, best first:
 *   0  a free slot and a warm VM of the job's image (starts in milliseconds)
 *   1  a free slot (the job waits for a VM to be prepared)
 *   2  room in the queue
 *   3  apparently full (tried last: its heartbeat may be stale)
 * Within tiers 0 and 1: more free slots first, then more warm VMs; within 2 and 3: more queue
 * room. Then fewer jobs of this isolate in flight there, then a random tie-break, so simultaneous
 * jobs spread over equal hosts instead of piling onto the first one.
 * Draining hosts and excluded ones (a host that already lost this job) are left out.
 */

import type { Member } from "./members.js";

export interface PlacementInput {
  members: readonly Member[];
  image: string;
  /** jobs this isolate sent to each host that the host's last heartbeat does not show yet */
  placedSince?: ReadonlyMap<string, number>;
  exclude?: ReadonlySet<string>;
  /** [0, 1), for the tie-break (injected for tests) */
  random?: () => number;
}

export interface RankedHost {
  member: Member;
  tier: 0 | 1 | 2 | 3;
  freeSlots: number;
  warm: number;
  queueRoom: number;
  /** this isolate's jobs there that the heartbeat does not show */
  placed: number;
}

export function rankHosts(input: PlacementInput): RankedHost[] {
  const random = input.random ?? Math.random;
  const scored = input.members
    .filter((m) => m.state === "active" && !(input.exclude?.has(m.host) ?? false))
    .map((member) => {
      const placed = input.placedSince?.get(member.host) ?? 0;
      const { slots, queue, images } = member.capacity;
      const freeSlots = Math.max(0, slots.free - placed);
      const image = images.find((i) => i.name === input.image);
      const warm = Math.max(0, (image?.warm ?? 0) - placed);
      const queueRoom = Math.max(0, queue.max - queue.length - Math.max(0, placed - slots.free));
      const tier: RankedHost["tier"] =
        freeSlots > 0 && warm > 0 ? 0 : freeSlots > 0 ? 1 : queueRoom > 0 ? 2 : 3;
      return { ranked: { member, tier, freeSlots, warm, queueRoom, placed }, tieBreak: random() };
    });
  const withinTier = (a: RankedHost, b: RankedHost): number =>
    a.tier < 2 ? b.freeSlots - a.freeSlots || b.warm - a.warm : b.queueRoom - a.queueRoom;
  scored.sort(
    (a, b) =>
      a.ranked.tier - b.ranked.tier ||
      withinTier(a.ranked, b.ranked) ||
      a.ranked.placed - b.ranked.placed ||
      a.tieBreak - b.tieBreak,
  );
  return scored.map((s) => s.ranked);
}
