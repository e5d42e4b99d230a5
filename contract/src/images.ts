/** `GET /v1/images`: the images a job may name. */

import { z } from "zod";

export const imageInfoSchema = z.looseObject({
  name: z.string().min(1),
  description: z.string().optional(),
});
export type ImageInfo = z.infer<typeof imageInfoSchema>;

export const imageListSchema = z.array(imageInfoSchema);
