/**
 * What identifies a built image (its inputs, hashed into the cache key) and what describes one on
 * disk (`manifest.json`). Pure.
 */
import { z } from "zod";
import { sha256 } from "./util.js";

/** Bump when the builder changes what it produces from the same inputs. */
export const BUILDER_FORMAT_VERSION = 1;
export const MANIFEST_FILE = "manifest.json";
export const VMLINUX_FILE = "vmlinux";
export const INITRD_FILE = "initrd.cpio";
/** Hex characters of the input hash used as the cache directory name. */
export const HASH_LENGTH = 16;

const digestSchema = z.object({ path: z.string(), sha256: z.string() });

export const imageInputsSchema = z.object({
  format: z.number().int(),
  image: z.string(),
  kernel: z.object({ version: z.string(), vmlinuzSha256: z.string() }),
  /** Kernel modules in load order (guest path, sha256 of the host file). */
  modules: z.array(digestSchema),
  busyboxSha256: z.string(),
  agent: z.object({
    sourceSha256: z.string(),
    /** `*.h` files next to the source, by file name. */
    headers: z.array(digestSchema),
    compiler: z.string(),
    compilerVersion: z.string(),
    cflags: z.array(z.string()),
  }),
  extraFiles: z.array(digestSchema.extend({ mode: z.number().int() })),
});
export type ImageInputs = z.infer<typeof imageInputsSchema>;

const fileInfoSchema = z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), size: z.number() });
export type FileInfo = z.infer<typeof fileInfoSchema>;

export const imageManifestSchema = z.object({
  format: z.number().int(),
  name: z.string(),
  hash: z.string(),
  kernelVersion: z.string(),
  createdAt: z.string(),
  inputs: imageInputsSchema,
  files: z.object({ vmlinux: fileInfoSchema, initrd: fileInfoSchema }),
  /** Guest paths of the modules the agent loads, in order. */
  modules: z.array(z.string()),
  pvhEntry: z.number().int(),
  applets: z.number().int(),
  agentSize: z.number().int(),
});
export type ImageManifest = z.infer<typeof imageManifestSchema>;

/** JSON with object keys sorted at every level, so equal values give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      out[key] = sortKeys((value as Record<string, unknown>)[key]);
    }
    return out;
  }
  return value;
}

export function computeImageHash(inputs: ImageInputs): string {
  return sha256(canonicalJson(inputs)).slice(0, HASH_LENGTH);
}

/** The manifest in `text`, or undefined when it is not valid JSON or not a manifest. */
export function parseManifest(text: string): ImageManifest | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = imageManifestSchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}
