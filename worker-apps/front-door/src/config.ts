/**
 * Parses the front door's `REGIONS` binding (the contract's `regionBindingSchema`, with a location
 * for every region). A malformed value is a deployment error: INTERNAL (500) naming the binding.
 * Memoised per text, so an isolate parses it once.
 */

import { jsonBindingParser, regionBindingSchema, regionListOf } from "@edgevm/contract";
import type { FrontDoorRegion } from "./placement.js";

/** The contract's REGIONS binding, where every region must have its location (for placement). */
const frontDoorRegionsSchema = regionListOf(regionBindingSchema.required({ location: true }));

export const parseRegionsBinding: (text: string | undefined) => FrontDoorRegion[] =
  jsonBindingParser("REGIONS", frontDoorRegionsSchema);
