/**
 * HostDirectory: one Durable Object per region (named after the region) holding the region's
 * emulator hosts — who they are, where they listen, and their capacity as of their last heartbeat.
 *
 * The table is soft state, kept in memory only: every live host re-announces itself every second,
 * so after the object restarts the table is whole again within one heartbeat interval (until then
 * the Worker falls back to its configured `EMULATOR` host). An alarm expires silent hosts even when
 * nobody asks, so "host left" appears in the logs within `HOST_TTL_MS` of the host going quiet.
 *
 * Its clock (the TTL) and logger are the isolate context's (`isolate.ts`), passed to the
 * constructor; the runtime constructs the class `defineHostDirectory` binds to one (`worker.ts`).
 */

import { DurableObject } from "cloudflare:workers";
import type { Env } from "../config/env.js";
import type { IsolateContext } from "../isolate.js";
import {
  HEARTBEAT_INTERVAL_MS,
  type HeartbeatAck,
  HOST_TTL_MS,
  type HostHeartbeat,
  type HostLeave,
  type Logger,
} from "../shared/index.js";
import type { HostDirectoryApi } from "./directory-api.js";
import {
  dropUnreachable,
  expireMembers,
  type Member,
  type MemberTable,
  nextExpiry,
  recordHeartbeat,
} from "./members.js";

/** What the directory uses of its isolate. */
export type DirectoryDeps = Pick<IsolateContext, "now" | "log">;

export class HostDirectory extends DurableObject<Env> implements HostDirectoryApi {
  private readonly members: MemberTable = new Map();
  /** when the alarm is set for (unix ms), so a heartbeat does not rewrite it every time */
  private alarmAt: number | undefined;
  private readonly now: () => number;
  private readonly log: Logger;

  constructor(ctx: DurableObjectState, env: Env, isolate: DirectoryDeps) {
    super(ctx, env);
    this.now = isolate.now;
    this.log = isolate.log.child({ component: "host-directory" });
  }

  /** Registers or refreshes a host (of this region: the route checked it). */
  async heartbeat(beat: HostHeartbeat): Promise<HeartbeatAck> {
    const now = this.now();
    this.expire(now);
    const change = recordHeartbeat(this.members, beat, now);
    if (change.kind === "joined") {
      this.log.info("host joined", { host: beat.host, url: beat.url, region: beat.region });
    } else if (change.kind === "rejoined") {
      this.log.info("host restarted", { host: beat.host, url: beat.url });
    }
    await this.scheduleExpiry();
    return {
      ok: true,
      intervalMs: HEARTBEAT_INTERVAL_MS,
      ttlMs: HOST_TTL_MS,
      hosts: this.members.size,
    };
  }

  /** A host stopping cleanly: gone at once, so nothing more is placed on it. */
  async leave(request: HostLeave): Promise<void> {
    if (this.members.delete(request.host))
      this.log.info("host left", { host: request.host, reason: "leave" });
  }

  /** Live hosts (silent ones expired first). */
  async list(): Promise<Member[]> {
    this.expire(this.now());
    return [...this.members.values()];
  }

  /** A Worker could not connect to this incarnation of the host: drop it until it heartbeats again. */
  async reportUnreachable(host: string, startedAt: number): Promise<void> {
    const gone = dropUnreachable(this.members, host, startedAt);
    if (gone) this.log.warn("host left", { host, reason: "unreachable" });
  }

  override async alarm(): Promise<void> {
    this.alarmAt = undefined;
    this.expire(this.now());
    await this.scheduleExpiry();
  }

  private expire(now: number): void {
    for (const gone of expireMembers(this.members, now, HOST_TTL_MS)) {
      this.log.warn("host left", {
        host: gone.host,
        reason: "heartbeat timeout",
        silentMs: now - gone.lastSeenAt,
      });
    }
  }

  /**
   * Keeps an alarm at or before the soonest expiry. A heartbeat only pushes expiries later, so the
   * alarm is written once per TTL or so, not on every heartbeat (an early alarm finds nothing to
   * expire and sets the next one).
   */
  private async scheduleExpiry(): Promise<void> {
    const at = nextExpiry(this.members, HOST_TTL_MS);
    if (at === undefined || (this.alarmAt !== undefined && this.alarmAt <= at)) return;
    this.alarmAt = at;
    await this.ctx.storage.setAlarm(at);
  }
}

/** The class the runtime constructs (`ctx`, `env`), bound to the isolate context `isolate` gives. */
export function defineHostDirectory(isolate: () => DirectoryDeps) {
  return class extends HostDirectory {
    constructor(ctx: DurableObjectState, env: Env) {
      super(ctx, env, isolate());
    }
  };
}
