/**
 * The registry of guest images edgevm knows how to build. Every image shares the same kernel,
 * busybox and agent; a definition adds kernel modules and files on top.
 */
import { EdgevmError } from "@edgevm/contract";
import type { RootfsFile } from "./rootfs.js";

export interface ImageDefinition {
  name: string;
  description: string;
  /**
   * Kernel modules to load at boot, by name; their dependencies from modules.dep are added and
   * ordered automatically. Soft dependencies (modules.softdep) are not: list them before the
   * module that needs them.
   */
  modules: readonly string[];
  /** Extra files in the initramfs (replace defaults at the same path). */
  extraFiles?: readonly RootfsFile[];
}

export interface ImageSummary {
  name: string;
  description: string;
}

const BASE: ImageDefinition = {
  name: "base",
  description:
    "Debian 12 kernel with a busybox userland (sh, awk, sed, grep, …) and the edgevm agent",
  // Only what a job needs: every module costs boot time under TCG (loading ext4 and its
  // dependencies took ~1 s of the first boot). Disks (virtio_blk, ext4, and crc32c_generic,
  // which ext4 soft-depends on) belong to the image that offers them, when one does.
  modules: ["virtio_mmio", "virtio_console"],
};

const IMAGES: ReadonlyMap<string, ImageDefinition> = new Map([[BASE.name, BASE]]);

export function listImages(): ImageSummary[] {
  return [...IMAGES.values()].map(({ name, description }) => ({ name, description }));
}

export function hasImage(name: string): boolean {
  return IMAGES.has(name);
}

export function getImageDefinition(name: string): ImageDefinition {
  const def = IMAGES.get(name);
  if (!def) {
    const known = [...IMAGES.keys()].join(", ");
    throw new EdgevmError("UNKNOWN_IMAGE", `unknown image "${name}" (known: ${known})`);
  }
  return def;
}
