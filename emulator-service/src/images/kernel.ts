import { readdir, readFile, rm, stat } from "node:fs/promises";
import path from "node:path";
import { type CompressionFormat, compareKernelVersions, findPayloadCandidates } from "./bzimage.js";
import { decompressToFile } from "./decompress.js";
import { findPvhEntry, hasElfMagic, parseElf } from "./elf.js";
import { imageBuildError } from "./util.js";

export interface KernelSelection {
  /** A specific version (e.g. `6.1.0-56-amd64`); default: the newest installed. */
  version?: string;
  /** Where `vmlinuz-<version>` lives. Default `/boot`. */
  bootDir?: string;
  /** Where `<version>/modules.dep` lives. Default `/lib/modules`. */
  modulesRoot?: string;
}

export interface KernelInfo {
  version: string;
  vmlinuz: string;
  modulesDir: string;
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

/** The newest `vmlinuz-<ver>` that has a matching `<modulesRoot>/<ver>/modules.dep`. */
export async function findKernel(selection: KernelSelection = {}): Promise<KernelInfo> {
  const bootDir = selection.bootDir ?? "/boot";
  const modulesRoot = selection.modulesRoot ?? "/lib/modules";
  let versions: string[];
  if (selection.version !== undefined) {
    versions = [selection.version];
  } else {
    let names: string[] = [];
    try {
      names = await readdir(bootDir);
    } catch (err) {
      throw imageBuildError(`cannot list ${bootDir} to find a kernel`, err);
    }
    versions = names
      .filter((n) => n.startsWith("vmlinuz-"))
      .map((n) => n.slice("vmlinuz-".length))
      .sort(compareKernelVersions)
      .reverse();
  }
  for (const version of versions) {
    const vmlinuz = path.join(bootDir, `vmlinuz-${version}`);
    const modulesDir = path.join(modulesRoot, version);
    if ((await isFile(vmlinuz)) && (await isFile(path.join(modulesDir, "modules.dep")))) {
      return { version, vmlinuz, modulesDir };
    }
  }
  const what = selection.version ?? "any version";
  throw imageBuildError(
    `no usable kernel (${what}): need ${bootDir}/vmlinuz-<ver> and ${modulesRoot}/<ver>/modules.dep ` +
      "(install linux-image-amd64)",
  );
}

export interface ExtractProgress {
  bytes: number;
  /** Expected output size: exact when the boot header declares it, otherwise an estimate. */
  expected: number;
}

export interface ExtractResult {
  size: number;
  sha256: string;
  format: CompressionFormat;
  offset: number;
  pvhEntry: number;
}

/**
 * Extracts the uncompressed kernel ELF from a bzImage into `out`, trying each candidate payload
 * until one decompresses into a complete ELF, and checks the ELF can be booted through PVH.
 */
export async function extractVmlinux(opts: {
  vmlinuz: string;
  out: string;
  onProgress?: (p: ExtractProgress) => void;
}): Promise<ExtractResult> {
  const image = await readFile(opts.vmlinuz);
  const candidates = findPayloadCandidates(image);
  const tried: string[] = [];
  for (const candidate of candidates) {
    const expected = candidate.expectedSize ?? image.length * 8;
    const result = await decompressToFile({
      input: opts.vmlinuz,
      offset: candidate.offset,
      format: candidate.format,
      out: opts.out,
      onBytes: (bytes) => opts.onProgress?.({ bytes, expected }),
    });
    const where = `${candidate.format}@${candidate.offset}`;
    const invalid = (why: string) => tried.push(`${where}: ${why}`);
    if (!hasElfMagic(result.head)) {
      invalid(result.decoderError ?? "output is not an ELF");
      continue;
    }
    if (candidate.expectedSize !== undefined && result.bytes !== candidate.expectedSize) {
      invalid(`got ${result.bytes} bytes, header declares ${candidate.expectedSize}`);
      continue;
    }
    const elf = await readFile(opts.out);
    let pvhEntry: number | undefined;
    try {
      const info = parseElf(elf);
      if (info.extent > elf.length) {
        invalid(`ELF truncated (${elf.length} of ${info.extent} bytes)`);
        continue;
      }
      pvhEntry = findPvhEntry(elf, info);
    } catch (err) {
      invalid(err instanceof Error ? err.message : String(err));
      continue;
    }
    if (pvhEntry === undefined) {
      await rm(opts.out, { force: true });
      throw imageBuildError(
        `${opts.vmlinuz}: the kernel has no PVH entry note (Xen note type 18, XEN_ELFNOTE_PHYS32_ENTRY); ` +
          "it cannot be booted with -kernel vmlinux (build it with CONFIG_PVH=y)",
      );
    }
    return {
      size: result.bytes,
      sha256: result.sha256,
      format: candidate.format,
      offset: candidate.offset,
      pvhEntry,
    };
  }
  await rm(opts.out, { force: true });
  throw imageBuildError(
    `cannot extract vmlinux from ${opts.vmlinuz}: no xz/gzip/zstd payload decompressed into a valid ELF`,
    undefined,
    { tried },
  );
}
