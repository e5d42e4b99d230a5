import { createHash } from "node:crypto";
import {
  createReadStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { EdgevmError } from "@edgevm/contract";
import type { Logger } from "@edgevm/observability";
import { acquireFileLock, isPidAlive } from "../util/file-lock.js";
import type { VmDriver } from "../vm/driver.js";
import {
  type BootImage,
  type TemplateKey,
  type TemplateSnapshot,
  templateKeyId,
} from "../vm/types.js";

/** Bumped when the way templates are booted or saved changes, so old ones are rebuilt. */
const TEMPLATE_FORMAT_VERSION = 1;

interface TemplateManifest {
  format: number;
  identity: string;
  key: TemplateKey;
  accel: string;
  imageHash: string;
  ram: { size: number; sha256: string };
  state: { size: number; sha256: string };
  bootMs: number;
  createdAt: string;
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/**
 * Pure: what a template depends on. A template whose identity differs from the current one is
 * stale (new image, new QEMU, other boot flags, other accelerator) and is rebuilt.
 */
export function templateIdentity(parts: {
  key: TemplateKey;
  accel: string;
  imageHash: string;
  /** the driver's fingerprint: QEMU version, kernel command line, … */
  driver: string;
}): string {
  return createHash("sha256")
    .update(JSON.stringify({ format: TEMPLATE_FORMAT_VERSION, ...parts }))
    .digest("hex")
    .slice(0, 16);
}

/**
 * Owns the saved templates on disk: one per (image, memory, vCPUs, accelerator). A template is
 * used only when its manifest matches the current identity and, once per process, its files'
 * checksums match (the RAM file is opened read-write by every clone's QEMU, so it is verified).
 */
export class TemplateStore {
  private readonly ready = new Map<string, Promise<TemplateSnapshot>>();

  constructor(
    private readonly options: {
      dir: string;
      driver: VmDriver;
      logger: Logger;
      onBoot?: (ms: number) => void;
    },
  ) {}

  /** The template for `key`, booting and saving it on first use. Concurrent callers share one build. */
  ensure(key: TemplateKey, image: BootImage): Promise<TemplateSnapshot> {
    const id = `${templateKeyId(key)}@${image.hash}`;
    let pending = this.ready.get(id);
    if (!pending) {
      pending = this.load(key, image);
      this.ready.set(id, pending);
      pending.catch(() => this.ready.delete(id));
    }
    return pending;
  }

  private async load(key: TemplateKey, image: BootImage): Promise<TemplateSnapshot> {
    const { driver } = this.options;
    const identity = templateIdentity({
      key,
      accel: driver.accel,
      imageHash: image.hash,
      driver: driver.fingerprint,
    });
    const parent = join(this.options.dir, driver.accel);
    mkdirSync(parent, { recursive: true });
    // Several hosts on one machine share the template directory: one builds, the others wait
    // and then load what it saved.
    const release = await acquireFileLock(join(parent, `.${templateKeyId(key)}.lock`), {
      label: "template build lock",
      errorCode: "TEMPLATE_FAILED",
      onWait: (pid) =>
        this.options.logger.info("waiting for another process's template build", { pid }),
    });
    try {
      return await this.loadLocked(
        key,
        image,
        identity,
        join(parent, `${templateKeyId(key)}-${identity}`),
      );
    } finally {
      await release();
    }
  }

  private async loadLocked(
    key: TemplateKey,
    image: BootImage,
    identity: string,
    dir: string,
  ): Promise<TemplateSnapshot> {
    const { driver } = this.options;
    const existing = await this.verified(dir, identity);
    if (existing) {
      this.options.logger.info("template loaded", { template: templateKeyId(key), dir });
      return {
        ...existing,
        key,
        vmlinux: image.vmlinux,
        initrd: image.initrd,
        imageHash: image.hash,
      };
    }
    this.removeOthers(key, dir);
    this.options.logger.info("booting template", {
      template: templateKeyId(key),
      accel: driver.accel,
    });
    try {
      const snapshot = await driver.bootTemplate(key, image, dir);
      const manifest: TemplateManifest = {
        format: TEMPLATE_FORMAT_VERSION,
        identity,
        key,
        accel: driver.accel,
        imageHash: image.hash,
        ram: { size: statSync(snapshot.ramPath).size, sha256: await sha256File(snapshot.ramPath) },
        state: {
          size: statSync(snapshot.statePath).size,
          sha256: await sha256File(snapshot.statePath),
        },
        bootMs: Math.round(snapshot.bootMs),
        createdAt: new Date().toISOString(),
      };
      writeFileSync(join(dir, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
      this.options.onBoot?.(snapshot.bootMs);
      this.options.logger.info("template saved", {
        template: templateKeyId(key),
        bootMs: manifest.bootMs,
        stateBytes: manifest.state.size,
      });
      return snapshot;
    } catch (err) {
      throw new EdgevmError("TEMPLATE_FAILED", (err as Error).message, { cause: err });
    }
  }

  private async verified(
    dir: string,
    identity: string,
  ): Promise<Omit<TemplateSnapshot, "key" | "vmlinux" | "initrd" | "imageHash"> | undefined> {
    const manifestPath = join(dir, "manifest.json");
    if (!existsSync(manifestPath)) return undefined;
    try {
      const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as TemplateManifest;
      const ramPath = join(dir, "ram");
      const statePath = join(dir, "state");
      const ok =
        manifest.format === TEMPLATE_FORMAT_VERSION &&
        manifest.identity === identity &&
        statSync(ramPath).size === manifest.ram.size &&
        statSync(statePath).size === manifest.state.size &&
        (await sha256File(statePath)) === manifest.state.sha256 &&
        (await sha256File(ramPath)) === manifest.ram.sha256;
      if (ok)
        return {
          dir,
          ramPath,
          statePath,
          accel: this.options.driver.accel,
          bootMs: manifest.bootMs,
        };
      this.options.logger.warn("template corrupt or stale, rebuilding", { dir });
    } catch (err) {
      this.options.logger.warn("template unreadable, rebuilding", {
        dir,
        error: (err as Error).message,
      });
    }
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }

  /** Older templates of the same key (another image hash, QEMU or flags) are never used again. */
  private removeOthers(key: TemplateKey, keep: string): void {
    const parent = join(this.options.dir, this.options.driver.accel);
    if (!existsSync(parent)) return;
    const prefix = `${templateKeyId(key)}-`;
    for (const name of readdirSync(parent)) {
      const path = join(parent, name);
      if (!name.startsWith(prefix) || path === keep) continue;
      const tmpOwner = /\.tmp-(\d+)$/.exec(name)?.[1];
      if (tmpOwner && isPidAlive(Number(tmpOwner))) continue;
      rmSync(path, { recursive: true, force: true });
    }
  }
}
