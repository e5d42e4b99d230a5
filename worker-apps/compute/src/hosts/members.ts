/**
 * Pure: the region's member table, as the `HostDirectory` Durable Object keeps it. A host is a
 * member from its first heartbeat until `ttlMs` after its last one, until it leaves, or until a
 * Worker reports it unreachable (a live host is back with its next heartbeat).
 */

import type { HostHeartbeat } from "../shared/index.js";

export interface Member {
  host: string;
  url: string;
  state: HostHeartbeat["state"];
  /** the host process's start time: a restarted host is a new incarnation of the same id */
  startedAt: number;
  capacity: HostHeartbeat["capacity"];
  /** directory clock (unix ms) of the first heartbeat of this incarnation */
  joinedAt: number;
  /** directory clock (unix ms) of the last heartbeat */
  lastSeenAt: number;
}

export type MemberTable = Map<string, Member>;

export type MembershipChange =
  | { kind: "joined"; member: Member }
  | { kind: "rejoined"; member: Member; previousStartedAt: number }
  | { kind: "refreshed"; member: Member };

/** Records a heartbeat; says whether the host is new, restarted, or known. */
export function recordHeartbeat(
  table: MemberTable,
  beat: HostHeartbeat,
  now: number,
): MembershipChange {
  const previous = table.get(beat.host);
  const fresh = previous === undefined || previous.startedAt !== beat.startedAt;
  const member: Member = {
    host: beat.host,
    url: beat.url,
    state: beat.state,
    startedAt: beat.startedAt,
    capacity: beat.capacity,
    joinedAt: fresh ? now : previous.joinedAt,
    lastSeenAt: now,
  };
  table.set(beat.host, member);
  if (previous === undefined) return { kind: "joined", member };
  if (fresh) return { kind: "rejoined", member, previousStartedAt: previous.startedAt };
  return { kind: "refreshed", member };
}

/** Removes the hosts silent for `ttlMs` or more; returns them. */
export function expireMembers(table: MemberTable, now: number, ttlMs: number): Member[] {
  const gone: Member[] = [];
  for (const [host, member] of table) {
    if (now - member.lastSeenAt >= ttlMs) {
      table.delete(host);
      gone.push(member);
    }
  }
  return gone;
}

/**
 * Removes a host a Worker could not connect to, unless it has heartbeated since `startedAt`
 * changed (the report is about an older incarnation) — returns the removed member.
 */
export function dropUnreachable(
  table: MemberTable,
  host: string,
  startedAt: number,
): Member | undefined {
  const member = table.get(host);
  if (member === undefined || member.startedAt !== startedAt) return undefined;
  table.delete(host);
  return member;
}

/** The soonest time (unix ms) a member may expire, for the directory's alarm. */
export function nextExpiry(table: MemberTable, ttlMs: number): number | undefined {
  let soonest: number | undefined;
  for (const member of table.values()) {
    const at = member.lastSeenAt + ttlMs;
    if (soonest === undefined || at < soonest) soonest = at;
  }
  return soonest;
}
