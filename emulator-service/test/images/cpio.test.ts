import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import {
  type CpioEntry,
  encodeCpio,
  normalizeCpioPath,
  parseCpio,
  S_IFCHR,
  S_IFDIR,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
  writeCpio,
} from "../../src/images/cpio.js";

const entries: CpioEntry[] = [
  { type: "dir", path: "/bin" },
  { type: "dir", path: "dev" },
  { type: "dir", path: "tmp", mode: 0o1777 },
  { type: "file", path: "/bin/busybox", content: Buffer.from("BUSYBOX\x00\x01\x02"), mode: 0o755 },
  { type: "symlink", path: "bin/sh", target: "/bin/busybox" },
  { type: "file", path: "init", content: Buffer.alloc(0), mode: 0o755 },
  { type: "file", path: "abc", content: Buffer.from("x") },
  { type: "chardev", path: "dev/console", major: 5, minor: 1 },
];

describe("cpio newc writer", () => {
  it("round-trips every entry type with its mode, content and device numbers", () => {
    const records = parseCpio(writeCpio(entries));
    expect(records.map((r) => r.name)).toEqual([
      "bin",
      "dev",
      "tmp",
      "bin/busybox",
      "bin/sh",
      "init",
      "abc",
      "dev/console",
    ]);
    const byName = new Map(records.map((r) => [r.name, r]));
    expect(byName.get("bin")?.mode).toBe(S_IFDIR | 0o755);
    expect(byName.get("bin")?.nlink).toBe(2);
    expect(byName.get("tmp")?.mode).toBe(S_IFDIR | 0o1777);
    expect(byName.get("bin/busybox")?.mode).toBe(S_IFREG | 0o755);
    expect(byName.get("bin/busybox")?.data).toEqual(Buffer.from("BUSYBOX\x00\x01\x02"));
    expect(byName.get("abc")?.mode).toBe(S_IFREG | 0o644);
    expect(byName.get("abc")?.data.toString()).toBe("x");
    expect(byName.get("init")?.data.length).toBe(0);
    const sh = byName.get("bin/sh");
    expect((sh?.mode ?? 0) & S_IFMT).toBe(S_IFLNK);
    expect(sh?.data.toString()).toBe("/bin/busybox");
    const console = byName.get("dev/console");
    expect((console?.mode ?? 0) & S_IFMT).toBe(S_IFCHR);
    expect([console?.rdevMajor, console?.rdevMinor]).toEqual([5, 1]);
  });

  it("is deterministic: mtime 0, uid/gid 0, sequential inodes, identical bytes", () => {
    const a = writeCpio(entries);
    expect(writeCpio(entries).equals(a)).toBe(true);
    const records = parseCpio(a);
    expect(records.map((r) => r.ino)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(records.every((r) => r.mtime === 0 && r.uid === 0 && r.gid === 0)).toBe(true);
  });

  it("aligns headers and data to 4 bytes and ends with TRAILER!!!", () => {
    const chunks = encodeCpio(entries);
    let offset = 0;
    for (const chunk of chunks) {
      if (chunk.subarray(0, 6).toString("latin1") === "070701" && chunk.length === 110) {
        expect(offset % 4).toBe(0);
      }
      offset += chunk.length;
    }
    const buf = Buffer.concat(chunks);
    expect(buf.length % 4).toBe(0);
    const trailerAt = buf.lastIndexOf("070701");
    expect(buf.toString("latin1", trailerAt + 110, trailerAt + 120)).toBe("TRAILER!!!");
  });

  it("is readable by an independent cpio implementation (busybox cpio)", () => {
    const listing = spawnSync("/bin/busybox", ["cpio", "-t"], { input: writeCpio(entries) });
    expect(listing.status).toBe(0);
    expect(listing.stdout.toString().trim().split("\n")).toEqual([
      "bin",
      "dev",
      "tmp",
      "bin/busybox",
      "bin/sh",
      "init",
      "abc",
      "dev/console",
    ]);
  });

  it("rejects duplicates, missing parents and unsafe paths", () => {
    expect(() => writeCpio([{ type: "file", path: "a/b", content: Buffer.alloc(1) }])).toThrow(
      /parent directory/,
    );
    expect(() =>
      writeCpio([
        { type: "dir", path: "a" },
        { type: "dir", path: "/a/" },
      ]),
    ).toThrow(/duplicate/);
    expect(() => normalizeCpioPath("../etc")).toThrow(/\.\./);
    expect(() => normalizeCpioPath("/")).toThrow(/empty/);
    expect(normalizeCpioPath("/./usr//bin/awk")).toBe("usr/bin/awk");
  });

  it("detects corrupt archives when parsing", () => {
    const buf = writeCpio(entries);
    expect(() => parseCpio(buf.subarray(0, 200))).toThrow(/truncated/);
    const bad = Buffer.from(buf);
    bad.write("070702", 0, "latin1");
    expect(() => parseCpio(bad)).toThrow(/bad magic/);
  });
});
