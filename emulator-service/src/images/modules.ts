/**
 * Pure handling of `modules.dep`: parse it and resolve wanted module names into a load order
 * (dependencies first), the way `modprobe` would.
 */
import { imageBuildError } from "./util.js";

export interface ModuleDepEntry {
  /** Path relative to `/lib/modules/<ver>`, as written in modules.dep (may end .ko.xz etc.). */
  path: string;
  /** Paths of every module it needs (modules.dep already lists the transitive closure). */
  deps: string[];
}

/** Module name → entry. */
export type ModuleDep = Map<string, ModuleDepEntry>;

const MODULE_SUFFIX = /\.ko(\.xz|\.zst|\.gz)?$/;

/** `kernel/drivers/char/hw_random/virtio-rng.ko.xz` → `virtio_rng`. */
export function moduleNameFromPath(p: string): string {
  const base = p.slice(p.lastIndexOf("/") + 1);
  return base.replace(MODULE_SUFFIX, "").replaceAll("-", "_");
}

/** Normalises a user-given name: `virtio-blk` and `virtio_blk` are the same module. */
export function normalizeModuleName(name: string): string {
  return name.replaceAll("-", "_");
}

/** The path the guest loads: compressed modules are stored decompressed (`.ko.xz` → `.ko`). */
export function plainModulePath(p: string): string {
  return p.replace(MODULE_SUFFIX, ".ko");
}

export function moduleCompression(p: string): "xz" | "zstd" | "gzip" | undefined {
  if (p.endsWith(".ko.xz")) return "xz";
  if (p.endsWith(".ko.zst")) return "zstd";
  if (p.endsWith(".ko.gz")) return "gzip";
  return undefined;
}

export function parseModulesDep(text: string): ModuleDep {
  const dep: ModuleDep = new Map();
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]?.trim() ?? "";
    if (line === "" || line.startsWith("#")) continue;
    const colon = line.indexOf(":");
    if (colon <= 0) throw imageBuildError(`modules.dep line ${i + 1}: missing ':' in "${line}"`);
    const path = line.slice(0, colon).trim();
    const deps = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .filter((d) => d !== "");
    dep.set(moduleNameFromPath(path), { path, deps });
  }
  return dep;
}

/** Names listed in `modules.builtin` (one path per line): these need no loading. */
export function parseModulesBuiltin(text: string): Set<string> {
  return new Set(
    text
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "")
      .map(moduleNameFromPath),
  );
}

/**
 * Resolves module names into module paths in load order: every module after all of its
 * dependencies, each once, wanted modules in the given order. Built-in modules are skipped; an
 * unknown module or a dependency cycle is an error.
 */
export function resolveModules(
  dep: ModuleDep,
  wanted: readonly string[],
  builtin: ReadonlySet<string> = new Set(),
): string[] {
  const byPath = new Map<string, ModuleDepEntry>();
  for (const entry of dep.values()) byPath.set(entry.path, entry);
  const order: string[] = [];
  const done = new Set<string>();
  const visiting = new Set<string>();

  const visit = (entry: ModuleDepEntry, chain: string[]): void => {
    if (done.has(entry.path)) return;
    if (visiting.has(entry.path)) {
      throw imageBuildError(`module dependency cycle: ${[...chain, entry.path].join(" -> ")}`);
    }
    visiting.add(entry.path);
    // modprobe loads the listed dependencies from last to first.
    for (const depPath of [...entry.deps].reverse()) {
      const child = byPath.get(depPath);
      if (!child) {
        throw imageBuildError(
          `module ${entry.path} needs ${depPath}, which modules.dep does not list`,
        );
      }
      visit(child, [...chain, entry.path]);
    }
    visiting.delete(entry.path);
    done.add(entry.path);
    order.push(entry.path);
  };

  for (const raw of wanted) {
    const name = normalizeModuleName(raw);
    const entry = dep.get(name);
    if (!entry) {
      if (builtin.has(name)) continue;
      throw imageBuildError(`kernel module ${raw} is neither in modules.dep nor built in`);
    }
    visit(entry, []);
  }
  return order;
}
