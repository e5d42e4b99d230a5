/**
 * Parses the JSON-valued bindings (`REGIONS`, `API_KEYS`). A malformed value is a deployment error:
 * it throws INTERNAL (500) with a message naming the binding, never a client-facing 4xx. Results are
 * memoised per input string, so each isolate parses a binding once.
 */

import { z } from "zod";
import { EdgevmError } from "../shared/index.js";

const regionSchema = z.object({
  name: z.string().min(1),
  url: z.url(),
  location: z.object({ lat: z.number(), lon: z.number() }).optional(),
});

const apiKeySchema = z.object({
  sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, "must be 64 hex digits"),
  tenant: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, "must be a short token"),
});

export type RegionConfig = z.infer<typeof regionSchema>;
export type ApiKeyEntry = z.infer<typeof apiKeySchema>;

function memoParse<T>(binding: string, schema: z.ZodType<T>): (text: string) => T {
  let lastText: string | undefined;
  let lastValue: T | undefined;
  return (text) => {
    if (text === lastText && lastValue !== undefined) return lastValue;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new EdgevmError("INTERNAL", `binding ${binding} is not valid JSON`, { cause: err });
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const summary = parsed.error.issues
        .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
        .join("; ");
      throw new EdgevmError("INTERNAL", `binding ${binding} is invalid: ${summary}`);
    }
    lastText = text;
    lastValue = parsed.data;
    return parsed.data;
  };
}

export const parseRegions = memoParse("REGIONS", z.array(regionSchema));
export const parseApiKeys = memoParse("API_KEYS", z.array(apiKeySchema));
