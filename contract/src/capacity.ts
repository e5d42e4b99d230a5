/** `GET /v1/capacity` of a host, also carried in every membership heartbeat. */

import { z } from "zod";

export const hostIdSchema = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, "a short token");

export const acceleratorSchema = z.enum(["kvm", "tcg"]);
export type Accelerator = z.infer<typeof acceleratorSchema>;

const count = z.int().min(0);

export const imageCapacitySchema = z.object({
  name: z.string().min(1),
  warm: count,
  spawned: count,
  templates: count,
  /** warm VMs the pools of this image aim to keep (the policy's current decision) */
  targetWarm: count,
});
export type ImageCapacity = z.infer<typeof imageCapacitySchema>;

/** What a scheduler needs to place work on a host. */
export const capacitySchema = z.object({
  region: z.string().min(1),
  host: hostIdSchema,
  accel: acceleratorSchema,
  slots: z.object({ total: count, busy: count, free: count }),
  queue: z.object({ length: count, max: count }),
  memory: z.object({
    budgetMiB: z.number().min(0),
    usedMiB: z.number().min(0),
    freeMiB: z.number(),
  }),
  images: z.array(imageCapacitySchema),
});
export type Capacity = z.infer<typeof capacitySchema>;
