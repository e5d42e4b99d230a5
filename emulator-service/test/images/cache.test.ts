import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  readValidImage,
  removeOtherHashes,
  removeStaleTmpDirs,
  tmpDirName,
  tmpDirPid,
} from "../../src/images/cache.js";
import { sha256 } from "../../src/images/util.js";
import { deadPid, tempDir } from "./helpers.js";

let tmp: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  tmp = await tempDir("cache");
});
afterAll(() => tmp.cleanup());

describe("cache directory maintenance", () => {
  it("names temporary directories after the hash and pid", () => {
    const name = tmpDirName("0123456789abcdef", 4242);
    expect(name).toMatch(/^\.tmp-0123456789abcdef-4242-[0-9a-f]{6}$/);
    expect(tmpDirPid(name)).toBe(4242);
    expect(tmpDirPid(".tmp-0123456789abcdef-77")).toBe(77);
    expect(tmpDirPid("0123456789abcdef")).toBeUndefined();
  });

  it("removes temporary directories of dead processes only", async () => {
    const imageDir = path.join(tmp.dir, "tmpclean");
    const dead = path.join(imageDir, tmpDirName("aaaa", deadPid()));
    const live = path.join(imageDir, tmpDirName("aaaa", 1));
    const mineActive = path.join(imageDir, tmpDirName("aaaa"));
    const mineLeft = path.join(imageDir, tmpDirName("bbbb"));
    const hashDir = path.join(imageDir, "0123456789abcdef");
    for (const d of [dead, live, mineActive, mineLeft, hashDir]) {
      await mkdir(d, { recursive: true });
      await writeFile(path.join(d, "f"), "x");
    }
    const removed = await removeStaleTmpDirs(imageDir, new Set([mineActive]));
    expect(removed.sort()).toEqual([path.basename(dead), path.basename(mineLeft)].sort());
    expect([dead, live, mineActive, mineLeft, hashDir].map((d) => existsSync(d))).toEqual([
      false,
      true,
      true,
      false,
      true,
    ]);
  });

  it("removes other hash directories of the image, nothing else", async () => {
    const imageDir = path.join(tmp.dir, "hashes");
    for (const d of ["0123456789abcdef", "fedcba9876543210", "not-a-hash", ".tmp-x-1"]) {
      await mkdir(path.join(imageDir, d), { recursive: true });
    }
    await writeFile(path.join(imageDir, ".lock"), "1\n");
    expect(await removeOtherHashes(imageDir, "0123456789abcdef")).toEqual(["fedcba9876543210"]);
    expect(existsSync(path.join(imageDir, "0123456789abcdef"))).toBe(true);
    expect(existsSync(path.join(imageDir, "not-a-hash"))).toBe(true);
    expect(existsSync(path.join(imageDir, ".lock"))).toBe(true);
  });
});

describe("cached image validation", () => {
  const hash = "00112233445566ff";
  const dir = () => path.join(tmp.dir, "valid", hash);
  const write = async (vmlinux: string, initrd: string, manifestHash = hash) => {
    await mkdir(dir(), { recursive: true });
    await writeFile(path.join(dir(), "vmlinux"), vmlinux);
    await writeFile(path.join(dir(), "initrd.cpio"), initrd);
    const file = (s: string) => ({ sha256: sha256(s), size: Buffer.byteLength(s) });
    const manifest = {
      format: 1,
      name: "base",
      hash: manifestHash,
      kernelVersion: "6.1.0-56-amd64",
      createdAt: new Date(0).toISOString(),
      inputs: {
        format: 1,
        image: "base",
        kernel: { version: "6.1.0-56-amd64", vmlinuzSha256: "a" },
        modules: [],
        busyboxSha256: "b",
        agent: {
          sourceSha256: "c",
          headers: [],
          compiler: "musl-gcc",
          compilerVersion: "v",
          cflags: [],
        },
        extraFiles: [],
      },
      files: { vmlinux: file("KERNEL"), initrd: file("INITRD") },
      modules: [],
      pvhEntry: 1,
      applets: 0,
      agentSize: 0,
    };
    await writeFile(path.join(dir(), "manifest.json"), JSON.stringify(manifest));
  };

  it("accepts a complete directory and rejects size, content and hash mismatches", async () => {
    await write("KERNEL", "INITRD");
    expect((await readValidImage(dir(), hash, { fullVerify: true }))?.hash).toBe(hash);
    await writeFile(path.join(dir(), "vmlinux"), "KERNEX"); // same size, other bytes
    expect(await readValidImage(dir(), hash, { fullVerify: false })).toBeDefined();
    expect(await readValidImage(dir(), hash, { fullVerify: true })).toBeUndefined();
    await writeFile(path.join(dir(), "vmlinux"), "KERN"); // truncated
    expect(await readValidImage(dir(), hash, { fullVerify: false })).toBeUndefined();
    await write("KERNEL", "INITRD", "ffffffffffffffff");
    expect(await readValidImage(dir(), hash, { fullVerify: false })).toBeUndefined();
    await writeFile(path.join(dir(), "manifest.json"), '{"truncated": ');
    expect(await readValidImage(dir(), hash, { fullVerify: false })).toBeUndefined();
    expect(
      await readValidImage(path.join(tmp.dir, "missing"), hash, { fullVerify: false }),
    ).toBeUndefined();
  });
});
