/**
 * Parses the front door's `REGIONS` binding: JSON `[{name, url, location: {lat, lon}, cidrs?}]`.
 * A malformed value is a deployment error: INTERNAL (500) naming the binding. Memoised per text,
 * so an isolate parses it once.
 */

import { EdgevmError, parseCidr } from "@edgevm/contract";
import { z } from "zod";
import type { FrontDoorRegion } from "./placement.js";

const regionSchema = z.object({
  name: z.string().min(1),
  url: z.url({ protocol: /^https?$/ }),
  location: z.object({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) }),
  cidrs: z
    .array(z.string().refine((s) => parseCidr(s) !== undefined, "not an IPv4/IPv6 CIDR"))
    .optional(),
});

const regionsSchema = z
  .array(regionSchema)
  .min(1)
  .refine((list) => new Set(list.map((r) => r.name)).size === list.length, "duplicate region name");

let lastText: string | undefined;
let lastValue: FrontDoorRegion[] | undefined;

export function parseRegionsBinding(text: string | undefined): FrontDoorRegion[] {
  if (text === lastText && lastValue !== undefined) return lastValue;
  if (text === undefined) throw new EdgevmError("INTERNAL", "binding REGIONS is not set");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new EdgevmError("INTERNAL", "binding REGIONS is not valid JSON", { cause: err });
  }
  const parsed = regionsSchema.safeParse(json);
  if (!parsed.success) {
    const summary = parsed.error.issues
      .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
      .join("; ");
    throw new EdgevmError("INTERNAL", `binding REGIONS is invalid: ${summary}`);
  }
  // no trailing slash, so `url + path` is always well formed
  const regions = parsed.data.map((r) => ({ ...r, url: r.url.replace(/\/+$/, "") }));
  lastText = text;
  lastValue = regions;
  return regions;
}
