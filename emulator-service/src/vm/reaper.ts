import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

/** Pure: whether a process command line (NUL-separated argv) is a VM of the service owning runDir. */
export function isOurVm(cmdline: string, runDir: string): boolean {
  const argv = cmdline.split("\0");
  return argv.some((a) => a.startsWith("edgevm:")) && argv.some((a) => a.startsWith(`${runDir}/`));
}

/**
 * Kills every QEMU left behind by an earlier run of this service (found by `-name edgevm:` and a
 * path in this service's run directory on its command line) and empties the run directory.
 * Returns the pids it killed.
 */
export function reapLeftovers(runDir: string): number[] {
  const killed: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    } catch {
      continue;
    }
    if (!isOurVm(cmdline, runDir)) continue;
    try {
      process.kill(pid, "SIGKILL");
      killed.push(pid);
    } catch {
      // already gone
    }
  }
  rmSync(runDir, { recursive: true, force: true });
  mkdirSync(runDir, { recursive: true });
  return killed;
}

/** Pids of live VMs of this service (for tests and `edgevm status`). */
export function listOurVms(runDir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (isOurVm(readFileSync(join("/proc", entry, "cmdline"), "utf8"), runDir))
        pids.push(Number(entry));
    } catch {
      // raced with an exit
    }
  }
  return pids;
}
