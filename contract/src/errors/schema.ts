/** The one error shape of every edgevm service: `{"error":{"code","message","details?"}}`. */

import { z } from "zod";
import { ERROR_STATUS, type ErrorCode } from "./codes.js";

export const errorCodeSchema = z.enum(Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]]);

export const errorBodySchema = z.object({
  error: z.object({
    code: errorCodeSchema,
    message: z.string(),
    details: z.unknown().optional(),
  }),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;
