import { describe, expect, it } from "vitest";
import { parseCpio, S_IFCHR, S_IFDIR, S_IFLNK, S_IFMT, writeCpio } from "../../src/images/cpio.js";
import { buildRootfs, parseBusyboxList } from "../../src/images/rootfs.js";

const LIST = "usr/bin/[\nbin/ash\nbin/busybox\nbin/sh\nsbin/init\nusr/bin/awk\nlinuxrc\nbin/sh\n\n";
const MODULES = [
  {
    guestPath: "/lib/modules/6.1.0-56-amd64/kernel/drivers/virtio/virtio_ring.ko",
    content: Buffer.from("ring"),
  },
  {
    guestPath: "/lib/modules/6.1.0-56-amd64/kernel/drivers/virtio/virtio.ko",
    content: Buffer.from("virtio"),
  },
];

function tree() {
  const entries = buildRootfs({
    busybox: Buffer.from("BB"),
    applets: parseBusyboxList(LIST),
    agent: Buffer.from("AGENT"),
    modules: MODULES,
    extraFiles: [{ path: "/etc/hostname", content: Buffer.from("custom\n") }],
  });
  return new Map(parseCpio(writeCpio(entries)).map((r) => [r.name, r]));
}

describe("busybox applet list", () => {
  it("normalises, deduplicates and leaves busybox itself out", () => {
    expect(parseBusyboxList(LIST)).toEqual([
      "bin/ash",
      "bin/sh",
      "linuxrc",
      "sbin/init",
      "usr/bin/[",
      "usr/bin/awk",
    ]);
  });
});

describe("initramfs tree", () => {
  it("has the base directories with sensible modes", () => {
    const t = tree();
    for (const d of [
      "bin",
      "sbin",
      "usr/bin",
      "usr/sbin",
      "etc",
      "proc",
      "sys",
      "dev",
      "tmp",
      "root",
      "lib/modules",
      "etc/edgevm",
      "var/tmp",
      "run",
    ]) {
      expect(((t.get(d)?.mode ?? 0) & S_IFMT) === S_IFDIR, d).toBe(true);
    }
    expect(t.get("tmp")?.mode).toBe(S_IFDIR | 0o1777);
    expect(t.get("root")?.mode).toBe(S_IFDIR | 0o700);
  });

  it("links every applet to /bin/busybox and installs the agent as /init", () => {
    const t = tree();
    expect(t.get("bin/busybox")?.data.toString()).toBe("BB");
    expect((t.get("bin/busybox")?.mode ?? 0) & 0o777).toBe(0o755);
    for (const applet of [
      "bin/sh",
      "bin/ash",
      "usr/bin/awk",
      "usr/bin/[",
      "sbin/init",
      "linuxrc",
    ]) {
      const r = t.get(applet);
      expect((r?.mode ?? 0) & S_IFMT, applet).toBe(S_IFLNK);
      expect(r?.data.toString()).toBe("/bin/busybox");
    }
    expect(t.get("init")?.data.toString()).toBe("AGENT");
    expect((t.get("init")?.mode ?? 0) & 0o777).toBe(0o755);
  });

  it("stores modules at their paths and lists them in load order", () => {
    const t = tree();
    expect(
      t.get("lib/modules/6.1.0-56-amd64/kernel/drivers/virtio/virtio.ko")?.data.toString(),
    ).toBe("virtio");
    expect(t.get("lib/modules/6.1.0-56-amd64/kernel/drivers")?.mode).toBe(S_IFDIR | 0o755);
    expect(t.get("etc/edgevm/modules")?.data.toString()).toBe(
      "/lib/modules/6.1.0-56-amd64/kernel/drivers/virtio/virtio_ring.ko\n" +
        "/lib/modules/6.1.0-56-amd64/kernel/drivers/virtio/virtio.ko\n",
    );
  });

  it("writes /etc files, lets extra files replace them, and adds dev/console (5,1)", () => {
    const t = tree();
    expect(t.get("etc/passwd")?.data.toString()).toBe("root:x:0:0:root:/root:/bin/sh\n");
    expect(t.get("etc/group")?.data.toString()).toMatch(/^root:x:0:/);
    expect(t.get("etc/hosts")?.data.toString()).toMatch(/127\.0\.0\.1\s+localhost/);
    expect(t.get("etc/hostname")?.data.toString()).toBe("custom\n");
    const console = t.get("dev/console");
    expect((console?.mode ?? 0) & S_IFMT).toBe(S_IFCHR);
    expect([console?.rdevMajor, console?.rdevMinor]).toEqual([5, 1]);
  });

  it("rejects a file where a directory is needed", () => {
    expect(() =>
      buildRootfs({
        busybox: Buffer.alloc(1),
        applets: ["usr"],
        agent: Buffer.alloc(1),
        modules: [],
      }),
    ).toThrow(/both a directory and a file/);
  });
});
