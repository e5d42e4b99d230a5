/**
 * What the `HostDirectory` Durable Object offers over RPC (`env.HOSTS`), declared apart from the
 * class so that the bindings (`config/env.ts`) depend on this leaf and not on the directory itself.
 */

import type { DurableObject } from "cloudflare:workers";
import type { HeartbeatAck, HostHeartbeat, HostLeave } from "../shared/index.js";
import type { Member } from "./members.js";

/** `hosts/directory.ts` implements it; `env.HOSTS.get(id)` is typed by it. */
export interface HostDirectoryApi extends DurableObject<unknown> {
  /** Registers or refreshes a host (of this region: the route checked it). */
  heartbeat(beat: HostHeartbeat): Promise<HeartbeatAck>;
  /** A host stopping cleanly: gone at once, so nothing more is placed on it. */
  leave(request: HostLeave): Promise<void>;
  /** Live hosts (silent ones expired first). */
  list(): Promise<Member[]>;
  /** A Worker could not connect to this incarnation of the host: drop it until it heartbeats again. */
  reportUnreachable(host: string, startedAt: number): Promise<void>;
}
