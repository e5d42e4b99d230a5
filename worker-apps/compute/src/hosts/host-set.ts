/**
 * This isolate's view of the region's hosts: the directory's member list (cached for
 * `HOSTS_CACHE_MS`), the jobs placed on each host since its last heartbeat, and the candidates for
 * one job in placement order. With no member in the directory (it restarted a moment ago, or no
 * host was started with `--join`, as under `wrangler dev`), the configured host (`EMULATOR` /
 * `EMULATOR_URL`) is the only candidate.
 */

import type { Env } from "../config/env.js";
import { type EmulatorTarget, emulatorFetch } from "../emulator/emulator-fetch.js";
import type { Member } from "./members.js";
import { rankHosts } from "./placement.js";

/**
 * How long (ms) an isolate reuses the directory's list: placement needs capacity about as fresh
 * as the heartbeats (1 s), and one directory call per 250 ms keeps it off the per-job path.
 */
export const HOSTS_CACHE_MS = 250;

/** A host a job can be sent to. */
export interface HostTarget extends EmulatorTarget {
  /** the host id, or `configured` for the configured host */
  id: string;
  /** the directory entry; absent for the configured host */
  member?: Member;
}

export const CONFIGURED_HOST_ID = "configured";

function directory(env: Env) {
  return env.HOSTS.get(env.HOSTS.idFromName(env.REGION));
}

export function memberTarget(member: Member): HostTarget {
  const origin = new URL(member.url).origin;
  return { id: member.host, member, origin, describe: member.url, fetch: (r) => fetch(r) };
}

export class HostSet {
  private cache: { at: number; members: Member[] } | undefined;
  /** per host: the heartbeat the count is relative to, and jobs placed since */
  private readonly placed = new Map<string, { lastSeenAt: number; count: number }>();

  /** The directory's live members (cached). */
  async members(env: Env): Promise<Member[]> {
    const now = Date.now();
    if (this.cache && now - this.cache.at < HOSTS_CACHE_MS) return this.cache.members;
    const members = await directory(env).list();
    this.cache = { at: now, members };
    for (const [host, entry] of this.placed) {
      const member = members.find((m) => m.host === host);
      if (member === undefined || member.lastSeenAt !== entry.lastSeenAt) this.placed.delete(host);
    }
    return members;
  }

  /** Hosts to try for a job of `image`, best first (see placement.ts). */
  async candidates(env: Env, image: string, exclude?: ReadonlySet<string>): Promise<HostTarget[]> {
    const members = await this.members(env);
    if (members.length === 0) {
      return exclude?.has(CONFIGURED_HOST_ID)
        ? []
        : [{ ...emulatorFetch(env), id: CONFIGURED_HOST_ID }];
    }
    const placedSince = new Map([...this.placed].map(([host, e]) => [host, e.count]));
    return rankHosts({ members, image, placedSince, ...(exclude ? { exclude } : {}) }).map((r) =>
      memberTarget(r.member),
    );
  }

  /** A job was sent to `target`: counts against its capacity until its next heartbeat. */
  notePlaced(target: HostTarget): void {
    const member = target.member;
    if (member === undefined) return;
    const entry = this.placed.get(member.host);
    if (entry && entry.lastSeenAt === member.lastSeenAt) entry.count += 1;
    else this.placed.set(member.host, { lastSeenAt: member.lastSeenAt, count: 1 });
  }

  /** `target` refused the connection: forget it here and tell the directory. */
  async unreachable(env: Env, target: HostTarget): Promise<void> {
    const member = target.member;
    if (member === undefined) return;
    if (this.cache) this.cache.members = this.cache.members.filter((m) => m.host !== member.host);
    await directory(env)
      .reportUnreachable(member.host, member.startedAt)
      .catch(() => {});
  }

  /** Forgets the cached list (tests; and after a directory error). */
  reset(): void {
    this.cache = undefined;
    this.placed.clear();
  }
}

/** One per isolate: placement counts are shared by every request this isolate serves. */
export const hostSet = new HostSet();
