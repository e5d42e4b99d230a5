/**
 * This isolate's view of the region's hosts: the directory's member list (cached for
 * `HOSTS_CACHE_MS`), the jobs it has in flight on each host (to correct heartbeats up to a second
 * old), and the candidates for one job in placement order. With no member in the directory (it
 * restarted a moment ago, or no host was started with `--join`, as under `wrangler dev`), the
 * configured host (`EMULATOR` / `EMULATOR_URL`) is the only candidate.
 *
 * One per isolate context (`isolate.ts`), not per module: tests make their own, with a clock they
 * move forward to expire the cache.
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

export interface HostSetOptions {
  /** unix ms; `Date.now` by default */
  now?: () => number;
  /** [0, 1), placement's tie-break (see placement.ts); `Math.random` by default */
  random?: () => number;
}

export class HostSet {
  private readonly now: () => number;
  private readonly random: () => number;
  private cache: { at: number; members: Member[] } | undefined;
  /** the directory call under way, shared by the requests that find the cache stale meanwhile */
  private listing: Promise<Member[]> | undefined;
  /** per host: jobs this isolate sent there that have not ended yet (queued, running, on the way) */
  private readonly inflight = new Map<string, number>();

  constructor(options: HostSetOptions = {}) {
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
  }

  /** The directory's live members (cached). */
  async members(env: Env): Promise<Member[]> {
    const now = this.now();
    if (this.cache && now - this.cache.at < HOSTS_CACHE_MS) return this.cache.members;
    this.listing ??= directory(env)
      .list()
      .then((members) => {
        this.cache = { at: now, members };
        return members;
      })
      .finally(() => {
        this.listing = undefined;
      });
    return this.listing;
  }

  /**
   * Hosts to try for a job of `image`, best first (see placement.ts), without `exclude` unless
   * that would leave none. With `place`, the first one
   * is noted as placed (`notePlaced`) in the same synchronous step as the ranking, so concurrent
   * jobs each see the ones ranked before them.
   */
  async candidates(
    env: Env,
    image: string,
    options: { exclude?: ReadonlySet<string>; place?: boolean } = {},
  ): Promise<HostTarget[]> {
    const { exclude } = options;
    const members = await this.members(env);
    if (members.length === 0) {
      return exclude?.has(CONFIGURED_HOST_ID)
        ? []
        : [{ ...emulatorFetch(env), id: CONFIGURED_HOST_ID }];
    }
    const placedSince = new Map(members.map((m) => [m.host, this.unseen(m)]));
    const random = this.random;
    let ranked = rankHosts({
      members,
      image,
      placedSince,
      random,
      ...(exclude ? { exclude } : {}),
    });
    // Excluding every host (a one-host region whose host lost the job and came back) would leave
    // the job nowhere to run: then the excluded hosts are candidates again.
    if (ranked.length === 0 && exclude !== undefined) {
      ranked = rankHosts({ members, image, placedSince, random });
    }
    const targets = ranked.map((r) => memberTarget(r.member));
    if (options.place && targets[0] !== undefined) this.notePlaced(targets[0]);
    return targets;
  }

  /**
   * Jobs of this isolate on `member` that its last heartbeat cannot be showing: beyond all the
   * busy slots and queued jobs it reported (which may be other isolates' too), the rest are
   * newer than the heartbeat.
   */
  private unseen(member: Member): number {
    const mine = this.inflight.get(member.host) ?? 0;
    const { slots, queue } = member.capacity;
    return Math.max(0, mine - slots.busy - queue.length);
  }

  private add(target: HostTarget, delta: number): void {
    if (target.member === undefined) return;
    const next = Math.max(0, (this.inflight.get(target.id) ?? 0) + delta);
    if (next === 0) this.inflight.delete(target.id);
    else this.inflight.set(target.id, next);
  }

  /** A job is being sent to `target`: counts against its capacity until it ends (`noteEnded`). */
  notePlaced(target: HostTarget): void {
    this.add(target, 1);
  }

  /** The job sent to `target` ended (its result arrived, its stream closed, or it was lost). */
  noteEnded(target: HostTarget): void {
    this.add(target, -1);
  }

  /** `target` did not take the job after all (full or unreachable): undoes `notePlaced`. */
  unplace(target: HostTarget): void {
    this.add(target, -1);
  }

  /**
   * `target` refused the connection: forget it here and tell the directory (not awaited by the
   * caller's job, which moves on to the next host at once; a failed report is harmless — the
   * host expires anyway).
   */
  async unreachable(env: Env, target: HostTarget): Promise<void> {
    const member = target.member;
    if (member === undefined) return;
    if (this.cache) this.cache.members = this.cache.members.filter((m) => m.host !== member.host);
    await directory(env)
      .reportUnreachable(member.host, member.startedAt)
      .catch(() => {});
  }
}
