/**
 * The initramfs tree of a guest image, as pure data: busybox and its applet links, the agent as
 * `/init`, kernel modules with their load list, and a minimal `/etc`.
 */
import { type CpioEntry, normalizeCpioPath } from "./cpio.js";

export interface RootfsFile {
  /** Absolute guest path. */
  path: string;
  content: Buffer;
  mode?: number;
}

export interface RootfsModule {
  /** Absolute guest path, e.g. `/lib/modules/6.1.0-56-amd64/kernel/drivers/virtio/virtio.ko`. */
  guestPath: string;
  content: Buffer;
}

export interface RootfsInput {
  busybox: Buffer;
  /** Applet paths as printed by `busybox --list-full` (e.g. `bin/sh`, `usr/bin/awk`). */
  applets: readonly string[];
  agent: Buffer;
  /** In load order. */
  modules: readonly RootfsModule[];
  /** Added last; a path given here replaces the default file at that path. */
  extraFiles?: readonly RootfsFile[];
}

export const BUSYBOX_PATH = "bin/busybox";
export const MODULE_LIST_PATH = "etc/edgevm/modules";

export const BASE_DIRS: ReadonlyArray<{ path: string; mode: number }> = [
  { path: "bin", mode: 0o755 },
  { path: "sbin", mode: 0o755 },
  { path: "usr", mode: 0o755 },
  { path: "usr/bin", mode: 0o755 },
  { path: "usr/sbin", mode: 0o755 },
  { path: "etc", mode: 0o755 },
  { path: "etc/edgevm", mode: 0o755 },
  { path: "proc", mode: 0o555 },
  { path: "sys", mode: 0o555 },
  { path: "dev", mode: 0o755 },
  { path: "tmp", mode: 0o1777 },
  { path: "root", mode: 0o700 },
  { path: "lib", mode: 0o755 },
  { path: "lib/modules", mode: 0o755 },
  { path: "var", mode: 0o755 },
  { path: "var/tmp", mode: 0o1777 },
  { path: "run", mode: 0o755 },
];

const ETC_FILES: ReadonlyArray<{ path: string; text: string }> = [
  { path: "etc/passwd", text: "root:x:0:0:root:/root:/bin/sh\n" },
  { path: "etc/group", text: "root:x:0:\n" },
  { path: "etc/hostname", text: "edgevm\n" },
  {
    path: "etc/hosts",
    text: "127.0.0.1\tlocalhost edgevm\n::1\tlocalhost ip6-localhost ip6-loopback\n",
  },
];

/** The applet paths of `busybox --list-full`, normalised, deduplicated, without busybox itself. */
export function parseBusyboxList(text: string): string[] {
  const out = new Set<string>();
  for (const line of text.split("\n")) {
    const trimmed = line.trim();
    if (trimmed === "") continue;
    const p = normalizeCpioPath(trimmed);
    if (p !== BUSYBOX_PATH) out.add(p);
  }
  return [...out].sort();
}

function parentDirs(p: string): string[] {
  const parts = p.split("/");
  const dirs: string[] = [];
  for (let i = 1; i < parts.length; i++) dirs.push(parts.slice(0, i).join("/"));
  return dirs;
}

/** The initramfs entries, in a deterministic order with every directory before its contents. */
export function buildRootfs(input: RootfsInput): CpioEntry[] {
  const leaves = new Map<string, CpioEntry>();
  const put = (entry: CpioEntry) => {
    leaves.set(normalizeCpioPath(entry.path), { ...entry, path: normalizeCpioPath(entry.path) });
  };
  for (const applet of input.applets)
    put({ type: "symlink", path: applet, target: "/bin/busybox" });
  put({ type: "file", path: BUSYBOX_PATH, content: input.busybox, mode: 0o755 });
  put({ type: "file", path: "init", content: input.agent, mode: 0o755 });
  for (const mod of input.modules) put({ type: "file", path: mod.guestPath, content: mod.content });
  const moduleList = input.modules.map((m) => `${m.guestPath}\n`).join("");
  put({ type: "file", path: MODULE_LIST_PATH, content: Buffer.from(moduleList, "utf8") });
  for (const f of ETC_FILES)
    put({ type: "file", path: f.path, content: Buffer.from(f.text, "utf8") });
  for (const f of input.extraFiles ?? []) {
    const entry: CpioEntry = { type: "file", path: f.path, content: f.content };
    if (f.mode !== undefined) entry.mode = f.mode;
    put(entry);
  }
  // The kernel opens /dev/console before the agent mounts devtmpfs over /dev.
  put({ type: "chardev", path: "dev/console", major: 5, minor: 1, mode: 0o600 });

  const dirModes = new Map<string, number>();
  for (const d of BASE_DIRS) dirModes.set(d.path, d.mode);
  for (const p of leaves.keys()) {
    for (const d of parentDirs(p)) if (!dirModes.has(d)) dirModes.set(d, 0o755);
  }
  for (const p of leaves.keys()) {
    if (dirModes.has(p)) throw new Error(`rootfs: "${p}" is both a directory and a file`);
  }
  const dirs: CpioEntry[] = [...dirModes.keys()]
    .sort()
    .map((p) => ({ type: "dir", path: p, mode: dirModes.get(p) ?? 0o755 }));
  const rest = [...leaves.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, entry]) => entry);
  return [...dirs, ...rest];
}
