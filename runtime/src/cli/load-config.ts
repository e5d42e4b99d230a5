import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  type ConfigOverrides,
  type EmulatorConfig,
  resolveEmulatorConfig,
} from "@edgevm/emulator/config/resolve";

export const REPO_ROOT = join(import.meta.dirname, "..", "..", "..");
export const DEFAULT_CONFIG_PATH = join(REPO_ROOT, "config", "edgevm.json");

/** Reads the config file (if any) and resolves it with env and flags. */
export function loadEmulatorConfig(
  path: string | undefined,
  flags: ConfigOverrides = {},
): EmulatorConfig {
  const file = path ?? process.env.EDGEVM_CONFIG ?? DEFAULT_CONFIG_PATH;
  let json: unknown = {};
  if (existsSync(file)) json = JSON.parse(readFileSync(file, "utf8"));
  else if (path) throw new Error(`config file not found: ${path}`);
  return resolveEmulatorConfig(json, process.env, flags);
}
