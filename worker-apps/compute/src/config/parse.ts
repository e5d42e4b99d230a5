/**
 * The JSON-valued bindings (`REGIONS`, `API_KEYS`), parsed with the contract's binding schemas: a
 * malformed value is INTERNAL (500) naming the binding; each isolate parses a binding once.
 */

import {
  type ApiKeyBinding,
  apiKeyBindingSchema,
  jsonBindingParser,
  type RegionBinding,
  regionsBindingSchema,
} from "../shared/index.js";

export type RegionConfig = Pick<RegionBinding, "name" | "url">;
export type ApiKeyEntry = ApiKeyBinding;

export const parseRegions = jsonBindingParser("REGIONS", regionsBindingSchema);
export const parseApiKeys = jsonBindingParser("API_KEYS", apiKeyBindingSchema.array());
