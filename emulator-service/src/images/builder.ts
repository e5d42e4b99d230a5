/**
 * `ensureImage`: returns a built guest image from the content-addressed cache, building it when
 * missing or damaged. Safe against concurrent builders in this and other processes.
 */
import { mkdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import { errnoCode } from "../util/errno.js";
import { acquireFileLock } from "../util/file-lock.js";
import { BUILD_STEPS, buildImage, StepTracker } from "./build.js";
import {
  LOCK_FILE,
  readValidImage,
  removeOtherHashes,
  removeStaleTmpDirs,
  tmpDirName,
} from "./cache.js";
import { getImageDefinition } from "./images.js";
import type { KernelSelection } from "./kernel.js";
import { type ImageManifest, INITRD_FILE, VMLINUX_FILE } from "./manifest.js";
import { type BuildPlan, planImage } from "./plan.js";
import type { ProgressListener } from "./progress.js";
import { imageBuildError } from "./util.js";

export interface EnsureImageOptions {
  /** A registered image name (see `listImages()`), e.g. `base`. */
  name: string;
  /** Root of the cache; images go to `<cacheDir>/images/<name>/<hash>/`. */
  cacheDir: string;
  onProgress?: ProgressListener;
  /** Warnings and notes (compiler warnings, rebuild reasons). Default: console.warn. */
  onLog?: (line: string) => void;
  /** Guest agent C source; default `emulator-service/agent/agent.c`. */
  agentSource?: string;
  kernel?: KernelSelection;
  /** Check the sha256 of a cached image on every call (it is always checked once per process). */
  verify?: boolean;
  /** How long to wait for another process building the same image. Default 15 min. */
  lockTimeoutMs?: number;
}

export interface ImageArtifacts {
  name: string;
  /** Content hash of the inputs; also the directory name. */
  hash: string;
  dir: string;
  /** Uncompressed kernel ELF with a PVH entry: `-kernel <vmlinux>`. */
  vmlinux: string;
  /** Uncompressed newc cpio: `-initrd <initrd>`. */
  initrd: string;
  kernelVersion: string;
  manifest: ImageManifest;
  /** True when this call built the image. */
  built: boolean;
}

const verifiedDirs = new Set<string>();
const activeTmpDirs = new Set<string>();
const inflight = new Map<string, Promise<ImageArtifacts>>();

export async function ensureImage(opts: EnsureImageOptions): Promise<ImageArtifacts> {
  const definition = getImageDefinition(opts.name);
  const planOptions: Parameters<typeof planImage>[1] = {};
  if (opts.agentSource !== undefined) planOptions.agentSource = path.resolve(opts.agentSource);
  if (opts.kernel !== undefined) planOptions.kernel = opts.kernel;
  const plan = await planImage(definition, planOptions);
  const dir = path.join(path.resolve(opts.cacheDir), "images", definition.name, plan.hash);
  let pending = inflight.get(dir);
  if (!pending) {
    pending = ensurePlanned(plan, dir, opts).finally(() => inflight.delete(dir));
    inflight.set(dir, pending);
  }
  return pending;
}

function artifacts(
  plan: BuildPlan,
  dir: string,
  manifest: ImageManifest,
  built: boolean,
): ImageArtifacts {
  return {
    name: plan.definition.name,
    hash: plan.hash,
    dir,
    vmlinux: path.join(dir, VMLINUX_FILE),
    initrd: path.join(dir, INITRD_FILE),
    kernelVersion: manifest.kernelVersion,
    manifest,
    built,
  };
}

async function ensurePlanned(
  plan: BuildPlan,
  dir: string,
  opts: EnsureImageOptions,
): Promise<ImageArtifacts> {
  const started = performance.now();
  const image = plan.definition.name;
  const log = opts.onLog ?? ((line: string) => console.warn(`[image ${image}] ${line}`));
  const imageDir = path.dirname(dir);
  // Leftovers of dead builders can go at any time; live builders' directories are kept.
  await removeStaleTmpDirs(imageDir, activeTmpDirs);
  const cached = await checkCached(dir, plan.hash, opts.verify === true);
  if (cached) {
    opts.onProgress?.({
      image,
      step: 1,
      steps: 1,
      label: `up to date (${plan.hash}, kernel ${cached.kernelVersion})`,
      percent: 100,
      done: true,
      elapsedMs: Math.round(performance.now() - started),
    });
    return artifacts(plan, dir, cached, false);
  }

  await mkdir(imageDir, { recursive: true });
  const release = await acquireFileLock(path.join(imageDir, LOCK_FILE), {
    label: "image build lock",
    errorCode: "IMAGE_BUILD_FAILED",
    timeoutMs: opts.lockTimeoutMs,
    onWait: (pid) => log(`waiting for pid ${pid}, which is building this image`),
  });
  try {
    // Another process may have built it while we waited for the lock.
    const built = await checkCached(dir, plan.hash, true);
    if (built) return artifacts(plan, dir, built, false);
    const damaged = await rm(dir, { recursive: true, force: false }).then(
      () => true,
      () => false,
    );
    if (damaged) log(`cached image ${plan.hash} is incomplete or corrupt: rebuilding`);
    const manifest = await buildInto(plan, dir, opts, log);
    const removed = await removeOtherHashes(imageDir, plan.hash);
    if (removed.length > 0) log(`removed older builds: ${removed.join(", ")}`);
    return artifacts(plan, dir, manifest, true);
  } finally {
    await release();
  }
}

async function checkCached(dir: string, hash: string, forceVerify: boolean) {
  const fullVerify = forceVerify || !verifiedDirs.has(dir);
  const manifest = await readValidImage(dir, hash, { fullVerify });
  if (manifest && fullVerify) verifiedDirs.add(dir);
  if (!manifest) verifiedDirs.delete(dir);
  return manifest;
}

async function buildInto(
  plan: BuildPlan,
  dir: string,
  opts: EnsureImageOptions,
  log: (line: string) => void,
): Promise<ImageManifest> {
  const tmp = path.join(path.dirname(dir), tmpDirName(plan.hash));
  activeTmpDirs.add(tmp);
  try {
    await mkdir(tmp);
    const tracker = new StepTracker(plan.definition.name, BUILD_STEPS, opts.onProgress);
    const manifest = await buildImage(plan, tmp, tracker, log);
    try {
      await rename(tmp, dir);
    } catch (err) {
      const code = errnoCode(err);
      if (code !== "EEXIST" && code !== "ENOTEMPTY") {
        throw imageBuildError(`cannot move the built image into ${dir}`, err);
      }
      // Someone else won the race (outside the lock): use theirs when it is valid.
      const winner = await readValidImage(dir, plan.hash, { fullVerify: true });
      if (winner) {
        verifiedDirs.add(dir);
        return winner;
      }
      await rm(dir, { recursive: true, force: true });
      await rename(tmp, dir);
    }
    verifiedDirs.add(dir);
    return manifest;
  } finally {
    activeTmpDirs.delete(tmp);
    await rm(tmp, { recursive: true, force: true });
  }
}
