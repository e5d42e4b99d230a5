import { readdirSync, readFileSync } from "node:fs";

/**
 * Pids of live processes whose command line (NUL-separated argv) contains `needle`: how e2e
 * tests check that the workerds, emulator hosts and QEMUs they started are all gone.
 */
export function processesMentioning(needle: string): number[] {
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(needle);
      } catch {
        return false;
      }
    })
    .map(Number);
}
