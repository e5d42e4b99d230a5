import { readFile, stat } from "node:fs/promises";
import { isStaticElf, parseElf } from "./elf.js";
import { findOnPath, imageBuildError, runCommand } from "./util.js";

export const AGENT_CFLAGS: readonly string[] = ["-static", "-Os", "-Wall", "-Wextra"];

export interface Compiler {
  command: "musl-gcc" | "gcc";
  /** First line of `<command> --version`; part of the image hash. */
  version: string;
}

let detected: Promise<Compiler> | undefined;

/** musl-gcc when installed (small static binaries), else gcc. Memoised per process. */
export function detectCompiler(): Promise<Compiler> {
  detected ??= (async (): Promise<Compiler> => {
    for (const command of ["musl-gcc", "gcc"] as const) {
      if ((await findOnPath(command)) === undefined) continue;
      const result = await runCommand(command, ["--version"]);
      if (result.code !== 0) continue;
      const version = result.stdout.toString("utf8").split("\n")[0]?.trim() ?? "";
      return { command, version };
    }
    throw imageBuildError("no C compiler for the guest agent: install musl-tools (musl-gcc)");
  })();
  detected.catch(() => {
    detected = undefined;
  });
  return detected;
}

/** Compiles the agent into a static executable at `out` and checks that it is one. */
export async function compileAgent(opts: {
  source: string;
  out: string;
  compiler: Compiler;
  log?: (line: string) => void;
}): Promise<{ size: number }> {
  try {
    await stat(opts.source);
  } catch (err) {
    throw imageBuildError(`guest agent source ${opts.source} not found`, err);
  }
  if (opts.compiler.command !== "musl-gcc") {
    opts.log?.("warning: musl-gcc not found, compiling the guest agent with gcc -static (glibc)");
  }
  const args = [...AGENT_CFLAGS, "-o", opts.out, opts.source];
  const result = await runCommand(opts.compiler.command, args);
  const diagnostics = result.stderr.trim();
  if (result.code !== 0) {
    throw imageBuildError(
      `compiling the guest agent failed (${opts.compiler.command} exited with ${result.code})`,
      undefined,
      { command: [opts.compiler.command, ...args].join(" "), stderr: diagnostics },
    );
  }
  if (diagnostics !== "") opts.log?.(`agent compiler warnings:\n${diagnostics}`);
  const binary = await readFile(opts.out);
  let staticElf = false;
  try {
    staticElf = isStaticElf(parseElf(binary));
  } catch (err) {
    throw imageBuildError(`compiled agent ${opts.out} is not a valid ELF`, err);
  }
  if (!staticElf) throw imageBuildError(`compiled agent ${opts.out} is not statically linked`);
  return { size: binary.length };
}
