/**
 * The JSON-valued bindings the runtime writes for the Workers: a wire format between processes
 * like any other (`runtime/` serialises them, the region Worker and the front door parse them).
 *
 *   REGIONS   `[{name, url, location?, cidrs?}]`: every region's Worker (the front door needs
 *             `location`; `cidrs` map client addresses to a region where there is no geolocation)
 *   API_KEYS  `[{sha256, tenant}]`: API keys, hashed (never the keys themselves)
 *
 * A malformed binding is a deployment error: INTERNAL (500) naming the binding, never a 4xx.
 */

import { z } from "zod";
import { parseCidr } from "./cidr.js";
import { EdgevmError } from "./errors/index.js";

export const geoLocationSchema = z.object({
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
});

export const regionBindingSchema = z.object({
  name: z.string().min(1),
  /** the region Worker's base URL, without a trailing slash (so `url + path` is well formed) */
  url: z.url({ protocol: /^https?$/ }).transform((url) => url.replace(/\/+$/, "")),
  location: geoLocationSchema.optional(),
  cidrs: z
    .array(z.string().refine((s) => parseCidr(s) !== undefined, "not an IPv4/IPv6 CIDR"))
    .optional(),
});
export type RegionBinding = z.output<typeof regionBindingSchema>;

/** A REGIONS list of `region` entries: at least one, names unique. */
export function regionListOf<T extends z.ZodType<{ name: string }>>(region: T) {
  return z
    .array(region)
    .min(1)
    .refine(
      (list) => new Set(list.map((r) => r.name)).size === list.length,
      "duplicate region name",
    );
}

export const regionsBindingSchema = regionListOf(regionBindingSchema);

export const apiKeyBindingSchema = z.object({
  sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, "must be 64 hex digits"),
  tenant: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, "must be a short token"),
});
export type ApiKeyBinding = z.output<typeof apiKeyBindingSchema>;

/**
 * A parser for the JSON binding `name`: INTERNAL naming the binding when it is unset, not JSON or
 * not `schema`; the last value is kept per text, so an isolate parses a binding once.
 */
export function jsonBindingParser<T>(
  name: string,
  schema: z.ZodType<T>,
): (text: string | undefined) => T {
  let lastText: string | undefined;
  let lastValue: T | undefined;
  return (text) => {
    if (text === lastText && lastValue !== undefined) return lastValue;
    if (text === undefined) throw new EdgevmError("INTERNAL", `binding ${name} is not set`);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new EdgevmError("INTERNAL", `binding ${name} is not valid JSON`, { cause: err });
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const summary = parsed.error.issues
        .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
        .join("; ");
      throw new EdgevmError("INTERNAL", `binding ${name} is invalid: ${summary}`);
    }
    lastText = text;
    lastValue = parsed.data;
    return parsed.data;
  };
}
