import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { findKernel } from "../../src/images/kernel.js";
import { resolveModuleFiles } from "../../src/images/module-files.js";
import {
  moduleNameFromPath,
  parseModulesBuiltin,
  parseModulesDep,
  plainModulePath,
  resolveModules,
} from "../../src/images/modules.js";

const FIXTURE = `kernel/fs/ext4/ext4.ko.xz: kernel/lib/crc16.ko.xz kernel/fs/mbcache.ko.xz kernel/fs/jbd2/jbd2.ko.xz
kernel/drivers/virtio/virtio.ko.xz: kernel/drivers/virtio/virtio_ring.ko.xz
kernel/drivers/virtio/virtio_ring.ko.xz:
kernel/drivers/virtio/virtio_mmio.ko.xz: kernel/drivers/virtio/virtio.ko.xz kernel/drivers/virtio/virtio_ring.ko.xz
kernel/drivers/char/virtio_console.ko.zst: kernel/drivers/virtio/virtio.ko.xz kernel/drivers/virtio/virtio_ring.ko.xz
kernel/drivers/char/hw_random/virtio-rng.ko: kernel/drivers/virtio/virtio.ko.xz kernel/drivers/virtio/virtio_ring.ko.xz
kernel/fs/jbd2/jbd2.ko.xz:
kernel/fs/mbcache.ko.xz:
kernel/lib/crc16.ko.xz:

`;

describe("modules.dep parsing", () => {
  it("names modules like modprobe (basename, no suffix, - → _)", () => {
    expect(moduleNameFromPath("kernel/drivers/char/hw_random/virtio-rng.ko")).toBe("virtio_rng");
    expect(moduleNameFromPath("kernel/fs/ext4/ext4.ko.xz")).toBe("ext4");
    expect(moduleNameFromPath("kernel/fs/ext4/ext4.ko.zst")).toBe("ext4");
    expect(plainModulePath("kernel/fs/ext4/ext4.ko.zst")).toBe("kernel/fs/ext4/ext4.ko");
    expect(plainModulePath("kernel/fs/ext4/ext4.ko")).toBe("kernel/fs/ext4/ext4.ko");
  });

  it("parses entries and their dependency lists", () => {
    const dep = parseModulesDep(FIXTURE);
    expect(dep.size).toBe(9);
    expect(dep.get("virtio_mmio")).toEqual({
      path: "kernel/drivers/virtio/virtio_mmio.ko.xz",
      deps: ["kernel/drivers/virtio/virtio.ko.xz", "kernel/drivers/virtio/virtio_ring.ko.xz"],
    });
    expect(dep.get("virtio_ring")?.deps).toEqual([]);
    expect(dep.get("virtio_rng")?.path).toBe("kernel/drivers/char/hw_random/virtio-rng.ko");
    expect(() => parseModulesDep("no colon here\n")).toThrow(/missing ':'/);
  });

  it("orders dependencies first, each module once, wanted order kept", () => {
    const order = resolveModules(parseModulesDep(FIXTURE), [
      "virtio_mmio",
      "virtio-console",
      "ext4",
    ]);
    expect(order).toEqual([
      "kernel/drivers/virtio/virtio_ring.ko.xz",
      "kernel/drivers/virtio/virtio.ko.xz",
      "kernel/drivers/virtio/virtio_mmio.ko.xz",
      "kernel/drivers/char/virtio_console.ko.zst",
      "kernel/fs/jbd2/jbd2.ko.xz",
      "kernel/fs/mbcache.ko.xz",
      "kernel/lib/crc16.ko.xz",
      "kernel/fs/ext4/ext4.ko.xz",
    ]);
  });

  it("skips built-in modules and rejects unknown ones and cycles", () => {
    const dep = parseModulesDep(FIXTURE);
    const builtin = parseModulesBuiltin(
      "kernel/drivers/block/virtio_blk.ko\nkernel/fs/fat/vfat.ko\n",
    );
    expect(resolveModules(dep, ["virtio_blk", "virtio_ring"], builtin)).toEqual([
      "kernel/drivers/virtio/virtio_ring.ko.xz",
    ]);
    expect(() => resolveModules(dep, ["nope"], builtin)).toThrow(/nope is neither/);
    const cyclic = parseModulesDep("a.ko: b.ko\nb.ko: a.ko\n");
    expect(() => resolveModules(cyclic, ["a"])).toThrow(/cycle: a.ko -> b.ko -> a.ko/);
    const dangling = parseModulesDep("a.ko: missing.ko\n");
    expect(() => resolveModules(dangling, ["a"])).toThrow(/does not list/);
  });
});

describe("modules of the installed kernel", () => {
  it("resolves the base image modules with virtio_ring and virtio before virtio_mmio", async () => {
    const kernel = await findKernel();
    const files = await resolveModuleFiles(kernel, [
      "virtio_mmio",
      "virtio_console",
      "virtio_blk",
      "ext4",
    ]);
    const names = files.map((f) => moduleNameFromPath(f.relPath));
    expect(names.slice(0, 4)).toEqual(["virtio_ring", "virtio", "virtio_mmio", "virtio_console"]);
    expect(names).toContain("virtio_blk");
    expect(names.indexOf("jbd2")).toBeLessThan(names.indexOf("ext4"));
    expect(names.indexOf("mbcache")).toBeLessThan(names.indexOf("ext4"));
    for (const f of files) {
      expect(existsSync(f.hostPath)).toBe(true);
      expect(f.guestPath).toMatch(new RegExp(`^/lib/modules/${kernel.version}/kernel/.*\\.ko$`));
    }
  });
});
