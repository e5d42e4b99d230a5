/** Builds one image into an (empty, private) directory; `manifest.json` is written last. */
import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { compileAgent } from "./agent-build.js";
import { writeCpio } from "./cpio.js";
import { extractVmlinux } from "./kernel.js";
import {
  BUILDER_FORMAT_VERSION,
  type ImageManifest,
  INITRD_FILE,
  MANIFEST_FILE,
  VMLINUX_FILE,
} from "./manifest.js";
import { readModuleContent } from "./module-files.js";
import type { BuildPlan } from "./plan.js";
import type { ProgressListener } from "./progress.js";
import { buildRootfs, parseBusyboxList } from "./rootfs.js";
import { imageBuildError, runCommand, sha256 } from "./util.js";

export const BUILD_STEPS = 6;

/** Emits start / percent / done events for numbered steps. */
export class StepTracker {
  private step = 0;
  private label = "";
  private started = 0;
  private lastPercent = -1;

  constructor(
    private readonly image: string,
    private readonly steps: number,
    private readonly listener: ProgressListener | undefined,
  ) {}

  start(step: number, label: string): void {
    this.step = step;
    this.label = label;
    this.started = performance.now();
    this.lastPercent = -1;
    this.emit({});
  }

  /** Reports a percentage; only whole-percent changes are emitted; never 100 before `done`. */
  percent(value: number): void {
    const p = Math.max(0, Math.min(99, Math.floor(value)));
    if (p === this.lastPercent) return;
    this.lastPercent = p;
    this.emit({ percent: p });
  }

  done(): void {
    this.emit({
      percent: 100,
      done: true,
      elapsedMs: Math.round(performance.now() - this.started),
    });
  }

  private emit(extra: { percent?: number; done?: boolean; elapsedMs?: number }): void {
    this.listener?.({
      image: this.image,
      step: this.step,
      steps: this.steps,
      label: this.label,
      ...extra,
    });
  }
}

export async function buildImage(
  plan: BuildPlan,
  dir: string,
  tracker: StepTracker,
  log: (line: string) => void,
): Promise<ImageManifest> {
  const agentPath = path.join(dir, "agent");
  tracker.start(1, `compiling guest agent (${plan.compiler.command})`);
  const agent = await compileAgent({
    source: plan.agentSource,
    out: agentPath,
    compiler: plan.compiler,
    log,
  });
  tracker.done();

  tracker.start(2, `extracting vmlinux from ${path.basename(plan.kernel.vmlinuz)}`);
  const vmlinuxPath = path.join(dir, VMLINUX_FILE);
  const vmlinux = await extractVmlinux({
    vmlinuz: plan.kernel.vmlinuz,
    out: vmlinuxPath,
    onProgress: ({ bytes, expected }) => tracker.percent((bytes / expected) * 100),
  });
  tracker.done();

  tracker.start(3, `reading ${plan.modules.length} kernel modules`);
  const modules = [];
  for (const m of plan.modules) {
    modules.push({ guestPath: m.guestPath, content: await readModuleContent(m) });
  }
  tracker.done();

  tracker.start(4, "reading busybox applets");
  const list = await runCommand(plan.busybox, ["--list-full"]).catch((err: unknown) => {
    throw imageBuildError(`cannot run ${plan.busybox} --list-full`, err);
  });
  if (list.code !== 0) {
    throw imageBuildError(`${plan.busybox} --list-full exited with ${list.code}: ${list.stderr}`);
  }
  const applets = parseBusyboxList(list.stdout.toString("utf8"));
  const busybox = await readFile(plan.busybox);
  tracker.done();

  tracker.start(5, `writing ${INITRD_FILE}`);
  let initrd: Buffer;
  try {
    const entries = buildRootfs({
      busybox,
      applets,
      agent: await readFile(agentPath),
      modules,
      extraFiles: plan.definition.extraFiles ?? [],
    });
    initrd = writeCpio(entries);
  } catch (err) {
    throw imageBuildError(`cannot assemble the initramfs: ${String(err)}`, err);
  }
  await writeFile(path.join(dir, INITRD_FILE), initrd);
  await rm(agentPath, { force: true });
  tracker.done();

  tracker.start(6, "writing manifest");
  const manifest: ImageManifest = {
    format: BUILDER_FORMAT_VERSION,
    name: plan.definition.name,
    hash: plan.hash,
    kernelVersion: plan.kernel.version,
    createdAt: new Date().toISOString(),
    inputs: plan.inputs,
    files: {
      vmlinux: { sha256: vmlinux.sha256, size: vmlinux.size },
      initrd: { sha256: sha256(initrd), size: initrd.length },
    },
    modules: plan.modules.map((m) => m.guestPath),
    pvhEntry: vmlinux.pvhEntry,
    applets: applets.length,
    agentSize: agent.size,
  };
  await writeFile(path.join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  tracker.done();
  return manifest;
}
