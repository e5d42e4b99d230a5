import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

/**
 * Compares `actual` with `golden/<name>`; `EDGEVM_UPDATE_GOLDEN=1` (re)writes the file instead.
 * A missing golden file is a failure, so a new test cannot pass by accident.
 */
export function expectGolden(name: string, actual: string): { expected: string; actual: string } {
  const path = join(import.meta.dirname, "golden", name);
  if (process.env.EDGEVM_UPDATE_GOLDEN === "1" || !existsSync(path)) {
    if (process.env.EDGEVM_UPDATE_GOLDEN !== "1")
      throw new Error(`golden file ${path} missing; run with EDGEVM_UPDATE_GOLDEN=1`);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
  }
  return { expected: readFileSync(path, "utf8"), actual };
}
