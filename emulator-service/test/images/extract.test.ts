import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { EdgevmError } from "@edgevm/contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findPayloadCandidates } from "../../src/images/bzimage.js";
import { extractVmlinux } from "../../src/images/kernel.js";
import { makeElf, pvhNotes, tempDir } from "./helpers.js";

function compress(format: "xz" | "zstd" | "gzip", data: Buffer): Buffer {
  if (format === "gzip") return gzipSync(data);
  const r = spawnSync(format, ["-c"], { input: data, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${format} failed: ${r.stderr}`);
  return r.stdout;
}

const filler = (n: number) => Buffer.alloc(n, 0x90);

describe("vmlinux extraction from a bzImage-like file", () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  // Incompressible payload so a cut stream yields a visibly truncated ELF.
  const elf = makeElf(pvhNotes(0x1234560), { payload: randomBytes(256 * 1024) });
  beforeAll(async () => {
    tmp = await tempDir("extract");
  });
  afterAll(() => tmp.cleanup());

  const bzImage = async (name: string, ...parts: Buffer[]) => {
    const file = path.join(tmp.dir, name);
    await writeFile(file, Buffer.concat(parts));
    return file;
  };

  for (const format of ["xz", "gzip", "zstd"] as const) {
    it(`finds and decompresses a ${format} payload despite trailing garbage`, async () => {
      const file = await bzImage(`k-${format}`, filler(5000), compress(format, elf), filler(3000));
      const out = path.join(tmp.dir, `out-${format}`);
      const result = await extractVmlinux({ vmlinuz: file, out });
      expect(result.format).toBe(format);
      expect(result.offset).toBe(5000);
      expect(result.pvhEntry).toBe(0x1234560);
      expect((await readFile(out)).equals(elf)).toBe(true);
    });
  }

  it("skips a false magic and a truncated stream, then uses the good payload", async () => {
    const good = compress("xz", elf);
    const cut = good.subarray(0, Math.floor(good.length / 2));
    const fakeMagic = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 1, 2, 3, 4, 5]);
    const file = await bzImage(
      "k-multi",
      filler(100),
      fakeMagic,
      filler(100),
      cut,
      filler(64),
      good,
    );
    expect(findPayloadCandidates(await readFile(file)).map((c) => c.format)).toEqual([
      "gzip",
      "xz",
      "xz",
    ]);
    const result = await extractVmlinux({ vmlinuz: file, out: path.join(tmp.dir, "out-multi") });
    expect(result.offset).toBe(100 + fakeMagic.length + 100 + cut.length + 64);
  });

  it("fails clearly when the kernel has no PVH note", async () => {
    const noPvh = makeElf([{ name: "Xen", type: 6, desc: Buffer.from("linux") }]);
    const file = await bzImage("k-nopvh", filler(10), compress("xz", noPvh));
    const out = path.join(tmp.dir, "out-nopvh");
    const err = await extractVmlinux({ vmlinuz: file, out }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EdgevmError);
    expect((err as EdgevmError).code).toBe("IMAGE_BUILD_FAILED");
    expect((err as EdgevmError).message).toMatch(/no PVH entry note.*XEN_ELFNOTE_PHYS32_ENTRY/);
    expect(existsSync(out)).toBe(false);
  });

  it("fails when no payload decompresses into an ELF", async () => {
    const file = await bzImage("k-none", filler(10), compress("xz", Buffer.from("not an elf")));
    const err = await extractVmlinux({ vmlinuz: file, out: path.join(tmp.dir, "x") }).catch(
      (e: unknown) => e,
    );
    expect((err as EdgevmError).code).toBe("IMAGE_BUILD_FAILED");
    expect((err as EdgevmError).message).toMatch(/no xz\/gzip\/zstd payload/);
    expect((err as EdgevmError).details).toEqual({ tried: ["xz@10: output is not an ELF"] });
  });
});
