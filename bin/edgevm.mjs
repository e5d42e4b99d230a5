#!/usr/bin/env node
// edgevm command-line entry. The toolchain needs Node >= 22; where the system Node is older, the
// Node 22 that npm installed into node_modules (package "node") runs the command instead.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const major = Number(process.versions.node.split(".")[0]);
if (major < 22) {
  const local = join(root, "node_modules", ".bin", "node");
  if (!existsSync(local)) {
    console.error(
      "edgevm needs Node >= 22: run `npm install` first (it installs Node 22 from npm).",
    );
    process.exit(1);
  }
  const result = spawnSync(local, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: "inherit",
  });
  process.exit(result.status ?? 1);
}
const { register } = await import("tsx/esm/api");
register();
const { main } = await import(join(root, "runtime", "cli", "main.ts"));
process.exitCode = await main(process.argv.slice(2));
