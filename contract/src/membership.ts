/**
 * The membership protocol between emulator hosts and their region's directory (the compute
 * Worker's `HostDirectory` Durable Object). Web APIs and zod only: the Worker bundles this file.
 *
 *   POST <region Worker>/internal/hosts/heartbeat   body: HostHeartbeat   → 200 HeartbeatAck
 *   POST <region Worker>/internal/hosts/leave       body: HostLeave       → 200 { ok: true }
 *
 * Both are signed exactly like Worker → host requests (`auth/signing.ts`, the shared
 * `EMULATOR_SECRET`), so only a host that holds the region's secret can join it. A host sends a
 * heartbeat every `intervalMs` (the directory's answer; `HEARTBEAT_INTERVAL_MS` until the first
 * answer); the directory forgets a host `ttlMs` after its last heartbeat, or at once on `leave`.
 */

import { z } from "zod";
import { capacitySchema, hostIdSchema } from "./capacity.js";

export const HEARTBEAT_PATH = "/internal/hosts/heartbeat";
export const LEAVE_PATH = "/internal/hosts/leave";

/** How often (ms) a host reports: frequent enough that placement sees warm VMs appear. */
export const HEARTBEAT_INTERVAL_MS = 1_000;
/** How long (ms) a silent host stays listed: three missed heartbeats, so one lost packet is harmless. */
export const HOST_TTL_MS = 3_000;

export const hostHeartbeatSchema = z.object({
  /** the host's id, unique in its region (`--host-id`) */
  host: hostIdSchema,
  region: z.string().min(1),
  /** where the region Worker reaches this host's API (`--advertise`, else its listen URL) */
  url: z.url(),
  /** unix ms when this host process started: a restarted host is a new member */
  startedAt: z.int().min(0),
  /** `draining`: finishing its jobs before it stops; placement sends it nothing new */
  state: z.enum(["active", "draining"]),
  capacity: capacitySchema,
});

export const hostLeaveSchema = z.object({ host: hostIdSchema, region: z.string().min(1) });

export type HostHeartbeat = z.infer<typeof hostHeartbeatSchema>;
export type HostLeave = z.infer<typeof hostLeaveSchema>;

export const heartbeatAckSchema = z.object({
  ok: z.literal(true),
  /** when to send the next heartbeat (ms) */
  intervalMs: z.int().min(1),
  /** how long the directory keeps this host without a heartbeat (ms) */
  ttlMs: z.int().min(1),
  /** live hosts in the region, this one included */
  hosts: z.int().min(0),
});
export type HeartbeatAck = z.infer<typeof heartbeatAckSchema>;
