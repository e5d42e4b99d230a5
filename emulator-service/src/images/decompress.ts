import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createInflateRaw } from "node:zlib";
import type { CompressionFormat } from "./bzimage.js";
import { imageBuildError } from "./util.js";

export interface DecompressResult {
  bytes: number;
  sha256: string;
  /** The first bytes of the output (up to 64), to check a magic without reading the file back. */
  head: Buffer;
  /** Set when the decoder failed (trailing garbage after a valid stream is normal here). */
  decoderError?: string;
}

export interface DecompressOptions {
  input: string;
  offset: number;
  format: CompressionFormat;
  out: string;
  /** Output beyond this is an error (garbage decoded as a huge stream). Default 1 GiB. */
  maxBytes?: number;
  onBytes?: (bytes: number) => void;
}

const GZIP_FIXED_HEADER = 10;

/**
 * Decompresses `input` from `offset` to the end of the file into `out`. The decoder is fed the rest
 * of the file, so complaints about trailing data are expected: the caller judges the output.
 */
export async function decompressToFile(opts: DecompressOptions): Promise<DecompressResult> {
  const maxBytes = opts.maxBytes ?? 1024 ** 3;
  const hash = createHash("sha256");
  let bytes = 0;
  let head = Buffer.alloc(0);
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      if (bytes > maxBytes) {
        done(new Error(`output exceeds ${maxBytes} bytes`));
        return;
      }
      hash.update(chunk);
      if (head.length < 64) head = Buffer.concat([head, chunk.subarray(0, 64 - head.length)]);
      opts.onBytes?.(bytes);
      done(null, chunk);
    },
  });
  const file = createWriteStream(opts.out);
  let decoderError: string | undefined;

  if (opts.format === "gzip") {
    // A gzip member with flags 0 has a fixed 10-byte header; raw inflate stops at the end of the
    // deflate stream and ignores what follows (the size trailer and the rest of the bzImage).
    const input = createReadStream(opts.input, { start: opts.offset + GZIP_FIXED_HEADER });
    try {
      await pipeline(input, createInflateRaw(), counter, file);
    } catch (err) {
      decoderError = err instanceof Error ? err.message : String(err);
    }
  } else {
    decoderError = await runDecoder(opts.format === "xz" ? "xz" : "zstd", opts, counter, file);
  }
  const result: DecompressResult = { bytes, sha256: hash.digest("hex"), head };
  if (decoderError !== undefined) result.decoderError = decoderError;
  return result;
}

async function runDecoder(
  command: string,
  opts: DecompressOptions,
  counter: Transform,
  file: NodeJS.WritableStream,
): Promise<string | undefined> {
  const child = spawn(command, ["-dc"], { stdio: ["pipe", "pipe", "pipe"] });
  const spawned = new Promise<void>((resolve, reject) => {
    child.once("spawn", resolve);
    child.once("error", reject);
  });
  try {
    await spawned;
  } catch (err) {
    throw imageBuildError(`cannot run ${command} to decompress the kernel: is it installed?`, err);
  }
  const input = createReadStream(opts.input, { start: opts.offset });
  input.on("error", () => child.kill("SIGKILL"));
  child.stdin.on("error", () => {
    // EPIPE: the decoder stopped reading (end of stream or bad data). Judged by its output.
  });
  input.pipe(child.stdin);
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => {
    if (stderr.length < 4096) stderr += d.toString("utf8");
  });
  const closed = new Promise<number | null>((resolve) => child.on("close", resolve));
  let pipeError: string | undefined;
  try {
    await pipeline(child.stdout, counter, file);
  } catch (err) {
    pipeError = err instanceof Error ? err.message : String(err);
    child.kill("SIGKILL");
  }
  const code = await closed;
  input.unpipe(child.stdin);
  input.destroy();
  if (pipeError !== undefined) return pipeError;
  return code === 0 ? undefined : `${command} exited with ${code}: ${stderr.trim()}`;
}
