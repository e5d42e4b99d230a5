import { existsSync, readFileSync } from "node:fs";
import { isAbsolute, join, relative } from "node:path";
import { configIssue } from "@edgevm/emulator/config/issues";
import {
  type ConfigOverrides,
  type EmulatorConfig,
  resolveEmulatorConfig,
} from "@edgevm/emulator/config/resolve";
import { type ConfigFile, parseConfigFile } from "../config/file-schema.js";
import { type RegionsConfig, resolveRegions } from "../regions.js";

export const REPO_ROOT = join(import.meta.dirname, "..", "..", "..");
export const DEFAULT_CONFIG_PATH = join(REPO_ROOT, "config", "edgevm.json");

/** The config file, checked against the whole-file schema. */
export interface LoadedConfigFile {
  /** the file as errors name it (relative to the working directory when under it); none: no file */
  name: string | undefined;
  json: ConfigFile;
}

/**
 * Reads the config file: `path` (`--config`), else `EDGEVM_CONFIG`, else config/edgevm.json. A
 * missing file is an empty one unless `--config` named it; a file that is not JSON or does not fit
 * the schema is an INVALID_CONFIG naming it.
 */
export function readConfigFile(
  path: string | undefined,
  env: Readonly<Record<string, string | undefined>> = process.env,
): LoadedConfigFile {
  const file = path ?? env.EDGEVM_CONFIG ?? DEFAULT_CONFIG_PATH;
  const name = displayPath(file, process.cwd());
  if (!existsSync(file)) {
    if (path !== undefined) throw configIssue({ path: "", message: "config file not found" }, name);
    return { name: undefined, json: {} };
  }
  return { name, json: parseConfigText(readFileSync(file, "utf8"), name) };
}

/** Pure: the file's text as JSON checked against the whole-file schema; errors name `name`. */
export function parseConfigText(text: string, name: string): ConfigFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw configIssue({ path: "", message: `not valid JSON (${(err as Error).message})` }, name);
  }
  return parseConfigFile(json, name);
}

/** Pure: `file` relative to `cwd` when it is under it (`config/edgevm.json`), else as given. */
export function displayPath(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  return rel === "" || rel.startsWith("..") || isAbsolute(rel) ? file : rel;
}

/** Reads the config file (if any) and resolves its `emulator` section with env and flags. */
export function loadEmulatorConfig(
  path: string | undefined,
  flags: ConfigOverrides = {},
): EmulatorConfig {
  const file = readConfigFile(path);
  return resolveEmulatorConfig(file.json, process.env, flags, undefined, file.name);
}

/** Reads the config file once and resolves both sections: what `edgevm start` runs. */
export function loadEdgeConfig(path: string | undefined): {
  emulator: EmulatorConfig;
  regions: RegionsConfig;
} {
  const file = readConfigFile(path);
  return {
    emulator: resolveEmulatorConfig(file.json, process.env, {}, undefined, file.name),
    regions: resolveRegions(file.json, process.env, file.name),
  };
}
