import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compareKernelVersions, parseBzImagePayload } from "../../src/images/bzimage.js";
import { findPvhEntry, isStaticElf, parseElf, readElfNotes } from "../../src/images/elf.js";
import { extractVmlinux, findKernel, type KernelInfo } from "../../src/images/kernel.js";
import { makeElf, pvhNotes, tempDir } from "./helpers.js";

describe("ELF note reader", () => {
  it("reads notes and finds the PVH entry (Xen note type 18)", () => {
    const elf = makeElf(pvhNotes(0x1000850));
    const notes = readElfNotes(elf);
    expect(notes.map((n) => [n.name, n.type])).toEqual([
      ["Xen", 6],
      ["GNU", 3],
      ["Xen", 18],
    ]);
    expect(notes[0]?.desc.toString("latin1")).toBe("linux\0");
    expect(findPvhEntry(elf)).toBe(0x1000850);
  });

  it("reports no PVH entry when the note is missing or has another owner", () => {
    expect(findPvhEntry(makeElf([{ name: "Xen", type: 6, desc: Buffer.from("linux") }]))).toBe(
      undefined,
    );
    expect(findPvhEntry(makeElf([{ name: "GNU", type: 18, desc: Buffer.alloc(4, 1) }]))).toBe(
      undefined,
    );
  });

  it("tells static from dynamic executables and measures the file extent", () => {
    const payload = Buffer.alloc(1000, 7);
    const elf = makeElf(pvhNotes(1), { payload });
    const info = parseElf(elf);
    expect(info.bits).toBe(64);
    expect(info.machine).toBe(62);
    expect(info.extent).toBe(elf.length);
    expect(isStaticElf(info)).toBe(true);
    expect(isStaticElf(parseElf(makeElf([], { interp: true })))).toBe(false);
  });

  it("rejects non-ELF data and truncated headers", () => {
    expect(() => parseElf(Buffer.from("#!/bin/sh\n"))).toThrow(/bad magic/);
    expect(() => parseElf(makeElf(pvhNotes(1)).subarray(0, 80))).toThrow(/truncated/);
    const elf = makeElf(pvhNotes(1));
    expect(() => readElfNotes(elf.subarray(0, elf.length - 4))).toThrow(/truncated/);
  });
});

describe("kernel version ordering", () => {
  it("compares numeric parts as numbers", () => {
    const sorted = ["6.1.0-100-amd64", "5.10.0-9-amd64", "6.1.0-56-amd64", "6.10.1-1-amd64"].sort(
      compareKernelVersions,
    );
    expect(sorted).toEqual([
      "5.10.0-9-amd64",
      "6.1.0-56-amd64",
      "6.1.0-100-amd64",
      "6.10.1-1-amd64",
    ]);
    expect(compareKernelVersions("6.1.0-56-amd64", "6.1.0-56-amd64")).toBe(0);
  });
});

describe("the installed kernel", () => {
  let kernel: KernelInfo;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    kernel = await findKernel();
    tmp = await tempDir("elf");
  });
  afterAll(() => tmp.cleanup());

  it("extracts to a complete ELF with a PVH entry note", async () => {
    const out = path.join(tmp.dir, "vmlinux");
    const seen: number[] = [];
    const result = await extractVmlinux({
      vmlinuz: kernel.vmlinuz,
      out,
      onProgress: (p) => seen.push(p.bytes / p.expected),
    });
    const declared = parseBzImagePayload(await readFile(kernel.vmlinuz));
    expect(declared).toBeDefined();
    expect(result.offset).toBe(declared?.offset);
    expect(result.size).toBe(declared?.uncompressedSize);
    const vmlinux = await readFile(out);
    expect(vmlinux.length).toBe(result.size);
    const info = parseElf(vmlinux);
    expect(info.machine).toBe(62);
    expect(info.extent).toBeLessThanOrEqual(vmlinux.length);
    expect(findPvhEntry(vmlinux)).toBe(result.pvhEntry);
    expect(result.pvhEntry).toBeGreaterThan(0x100000);
    expect(result.pvhEntry).toBeLessThan(0x100000000);
    expect(seen.length).toBeGreaterThan(10);
    expect(seen.at(-1)).toBeCloseTo(1, 5);
  }, 60_000);
});
