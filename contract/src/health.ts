/** `GET /healthz` (no key) of hosts, region Workers and the front door. */

import { z } from "zod";

export const healthSchema = z.looseObject({
  ok: z.boolean(),
  region: z.string().optional(),
  host: z.string().optional(),
});
export type Health = z.infer<typeof healthSchema>;
