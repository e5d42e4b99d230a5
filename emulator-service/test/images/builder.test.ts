import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rm, stat, truncate, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureImage, type ImageArtifacts } from "../../src/images/builder.js";
import { parseCpio, S_IFLNK, S_IFMT } from "../../src/images/cpio.js";
import { findPvhEntry, isStaticElf, parseElf } from "../../src/images/elf.js";
import type { ImageProgress } from "../../src/images/progress.js";
import { sha256File } from "../../src/images/util.js";
import { deadPid, STAND_IN_AGENT, tempDir, writeAgent } from "./helpers.js";

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "../../..");

let tmp: Awaited<ReturnType<typeof tempDir>>;
let cacheDir: string;
let agentSource: string;
let first: ImageArtifacts;
let coldMs = 0;
const events: ImageProgress[] = [];
const logs: string[] = [];

const build = (extra: { verify?: boolean; agentSource?: string } = {}) =>
  ensureImage({
    name: "base",
    cacheDir,
    agentSource,
    onLog: (l) => logs.push(l),
    onProgress: (e) => events.push(e),
    ...extra,
  });
const imageDirEntries = async () => (await readdir(path.join(cacheDir, "images", "base"))).sort();

beforeAll(async () => {
  tmp = await tempDir("builder");
  cacheDir = path.join(tmp.dir, "cache");
  agentSource = await writeAgent(tmp.dir);
});
afterAll(() => tmp.cleanup());

describe("ensureImage base", () => {
  it("builds vmlinux and initrd.cpio into <cacheDir>/images/base/<hash>", async () => {
    const t0 = performance.now();
    first = await build();
    coldMs = performance.now() - t0;
    expect(first.built).toBe(true);
    expect(first.hash).toMatch(/^[0-9a-f]{16}$/);
    expect(first.dir).toBe(path.join(cacheDir, "images", "base", first.hash));
    expect(await imageDirEntries()).toEqual([first.hash]);

    const vmlinux = await readFile(first.vmlinux);
    expect(vmlinux.length).toBe(first.manifest.files.vmlinux.size);
    expect(findPvhEntry(vmlinux)).toBe(first.manifest.pvhEntry);
    expect(await sha256File(first.initrd)).toBe(first.manifest.files.initrd.sha256);
    expect(first.kernelVersion).toMatch(/^\d+\.\d+/);

    const records = new Map(parseCpio(await readFile(first.initrd)).map((r) => [r.name, r]));
    const init = records.get("init");
    expect(init && isStaticElf(parseElf(init.data))).toBe(true);
    expect(init?.data.length).toBe(first.manifest.agentSize);
    expect((records.get("bin/sh")?.mode ?? 0) & S_IFMT).toBe(S_IFLNK);
    expect(records.get("bin/busybox")?.data.equals(await readFile("/bin/busybox"))).toBe(true);
    const symlinks = [...records.values()].filter((r) => (r.mode & S_IFMT) === S_IFLNK);
    expect(symlinks.length).toBe(first.manifest.applets);
    expect(first.manifest.applets).toBeGreaterThan(100);
    const moduleList = records.get("etc/edgevm/modules")?.data.toString().trim().split("\n");
    expect(moduleList).toEqual(first.manifest.modules);
    const names = first.manifest.modules.map((m) => path.basename(m));
    expect(names.slice(0, 4)).toEqual([
      "virtio_ring.ko",
      "virtio.ko",
      "virtio_mmio.ko",
      "virtio_console.ko",
    ]);
    for (const m of first.manifest.modules) expect(records.has(m.slice(1)), m).toBe(true);

    const starts = events.filter((e) => e.percent === undefined).map((e) => `${e.step}/${e.steps}`);
    expect(starts).toEqual(["1/6", "2/6", "3/6", "4/6", "5/6", "6/6"]);
    expect(events.filter((e) => e.done)).toHaveLength(6);
    const extraction = events.filter((e) => e.step === 2 && e.percent !== undefined && !e.done);
    expect(extraction.length).toBeGreaterThan(10);
    expect(events.find((e) => e.step === 2)?.label).toMatch(/^extracting vmlinux from vmlinuz-/);
  }, 120_000);

  it("is a fast cache hit the second time (same hash, nothing rebuilt)", async () => {
    const mtime = (await stat(first.vmlinux)).mtimeMs;
    events.length = 0;
    const t0 = performance.now();
    const again = await build();
    const hitMs = performance.now() - t0;
    expect(again.built).toBe(false);
    expect(again.hash).toBe(first.hash);
    expect(again.manifest).toEqual(first.manifest);
    expect((await stat(first.vmlinux)).mtimeMs).toBe(mtime);
    expect(events).toHaveLength(1);
    expect(events[0]?.label).toMatch(/^up to date/);
    expect(hitMs).toBeLessThan(coldMs / 3);
  }, 60_000);

  it("shares one build between concurrent calls in a process", async () => {
    await rm(first.dir, { recursive: true });
    events.length = 0;
    const [a, b] = await Promise.all([build(), build()]);
    expect(a.hash).toBe(first.hash);
    expect(b.hash).toBe(first.hash);
    expect(events.filter((e) => e.step === 2 && e.percent === undefined)).toHaveLength(1);
  }, 120_000);

  it("rebuilds a truncated vmlinux", async () => {
    await truncate(first.vmlinux, 1_000_000);
    const again = await build();
    expect(again.built).toBe(true);
    expect(again.hash).toBe(first.hash);
    expect((await stat(again.vmlinux)).size).toBe(first.manifest.files.vmlinux.size);
    expect(logs.some((l) => /incomplete or corrupt: rebuilding/.test(l))).toBe(true);
  }, 120_000);

  it("rebuilds when manifest.json is missing", async () => {
    await rm(path.join(first.dir, "manifest.json"));
    const again = await build();
    expect(again.built).toBe(true);
    expect(existsSync(path.join(first.dir, "manifest.json"))).toBe(true);
    // Same inputs, same bytes: the build is deterministic.
    expect(again.manifest.files).toEqual(first.manifest.files);
  }, 120_000);

  it("detects same-size corruption with verify: true", async () => {
    const fh = await import("node:fs/promises").then((fs) => fs.open(first.initrd, "r+"));
    await fh.write(Buffer.from("XXXX"), 0, 4, 1000);
    await fh.close();
    expect((await build()).built).toBe(false); // sizes match and this process verified it already
    const again = await build({ verify: true });
    expect(again.built).toBe(true);
    expect(await sha256File(again.initrd)).toBe(first.manifest.files.initrd.sha256);
  }, 120_000);

  it("removes leftover temporary directories of dead builders", async () => {
    const leftover = path.join(
      cacheDir,
      "images",
      "base",
      `.tmp-${first.hash}-${deadPid()}-abcdef`,
    );
    await mkdir(leftover);
    await writeFile(path.join(leftover, "vmlinux"), "partial");
    expect((await build()).built).toBe(false);
    expect(existsSync(leftover)).toBe(false);
  }, 60_000);

  it("gets a new hash when the agent source changes, and drops the old build", async () => {
    const other = path.join(tmp.dir, "other");
    await mkdir(other);
    const source = await writeAgent(
      other,
      STAND_IN_AGENT.replace("stand-in agent", "another agent"),
    );
    const changed = await build({ agentSource: source });
    expect(changed.built).toBe(true);
    expect(changed.hash).not.toBe(first.hash);
    expect(changed.manifest.files.vmlinux).toEqual(first.manifest.files.vmlinux);
    expect(changed.manifest.files.initrd.sha256).not.toBe(first.manifest.files.initrd.sha256);
    expect(await imageDirEntries()).toEqual([changed.hash]);
  }, 120_000);

  it("lets two processes build the same image at once without damage", async () => {
    const shared = path.join(tmp.dir, "shared-cache");
    const tsx = path.join(repo, "node_modules", ".bin", "tsx");
    const child = () =>
      run(tsx, [path.join(here, "build-child.ts"), shared, agentSource], { cwd: repo });
    const [a, b] = await Promise.all([child(), child()]);
    const ra = JSON.parse(a.stdout) as { hash: string; built: boolean; initrd: string };
    const rb = JSON.parse(b.stdout) as { hash: string; built: boolean; initrd: string };
    expect(ra.hash).toBe(rb.hash);
    expect(ra.initrd).toBe(rb.initrd);
    expect([ra.built, rb.built].filter(Boolean)).toHaveLength(1);
    expect((await readdir(path.join(shared, "images", "base"))).sort()).toEqual([ra.hash]);
    const check = await ensureImage({ name: "base", cacheDir: shared, agentSource, verify: true });
    expect(check.built).toBe(false);
  }, 180_000);

  it("fails with IMAGE_BUILD_FAILED when the agent does not compile", async () => {
    const broken = path.join(tmp.dir, "broken");
    await mkdir(broken);
    const source = await writeAgent(broken, "int main(void) { return undefined_symbol; }\n");
    const err = await build({ agentSource: source }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "IMAGE_BUILD_FAILED" });
    expect(JSON.stringify((err as { details: unknown }).details)).toMatch(/undefined_symbol/);
    const entries = await imageDirEntries();
    expect(entries.filter((e) => e.startsWith(".tmp-"))).toEqual([]);
    expect(entries).not.toContain(".lock");
  }, 60_000);
});
