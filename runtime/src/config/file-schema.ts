/**
 * The whole of `config/edgevm.json`: each section's schema lives next to the code that owns it
 * (`emulator`: emulator-service/src/config/schema.ts, `regions`: ../regions-schema.ts); this one
 * composes them, so an unknown top-level key is an error too. docs/CONFIG.md is generated from it.
 */
import { parseConfig } from "@edgevm/emulator/config/issues";
import { emulatorSectionSchema } from "@edgevm/emulator/config/schema";
import { z } from "zod";
import { regionsFileSchema } from "../regions-schema.js";

export const configFileSchema = z
  .object({
    $comment: z.string().describe("free text for people; ignored").optional(),
    emulator: emulatorSectionSchema.optional(),
    regions: regionsFileSchema.optional(),
  })
  .strict();

export type ConfigFile = z.infer<typeof configFileSchema>;

/** Pure: the file's JSON checked against every section, or INVALID_CONFIG naming `file`. */
export function parseConfigFile(json: unknown, file?: string): ConfigFile {
  return parseConfig(configFileSchema, json, [], file);
}
