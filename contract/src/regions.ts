/** `GET /v1/regions`: one entry per region, for every region, whichever answers. */

import { z } from "zod";
import { acceleratorSchema } from "./capacity.js";

const count = z.int().min(0);

export const hostViewSchema = z.object({
  id: z.string(),
  url: z.string(),
  healthy: z.boolean(),
  /** `active`, or `draining` (finishing its jobs, takes no new ones); configured hosts: active */
  state: z.enum(["active", "draining"]),
  /** ms since the directory last heard from it; null for a configured host (asked just now) */
  lastSeenMs: z.number().min(0).nullable(),
  /** unix ms the host process started (a restarted host has a new one); null for a configured host */
  startedAt: z.int().min(0).nullable(),
  capacity: z.object({
    total: count,
    busy: count,
    free: count,
    queue: z.object({ length: count, max: count }),
    accel: acceleratorSchema,
  }),
  /** warm VMs and pool target per image */
  images: z.array(z.object({ name: z.string(), warm: count, target: count })),
});
export type HostView = z.infer<typeof hostViewSchema>;

export const regionPoolSchema = z.object({
  warm: count,
  busy: count,
  /** warm VMs the hosts' pools aim to keep; null while unknown */
  target: count.nullable(),
});
export type RegionPool = z.infer<typeof regionPoolSchema>;

export const regionViewSchema = z.object({
  name: z.string(),
  /** that region's own Worker */
  url: z.string(),
  healthy: z.boolean(),
  /** the answering region: its emulator hosts; other regions: empty (ask that region) */
  hosts: z.array(hostViewSchema),
  /** null when unknown (another region, or an unhealthy one) */
  pool: regionPoolSchema.nullable(),
});
export type RegionView = z.infer<typeof regionViewSchema>;

export const regionListSchema = z.array(regionViewSchema);
