#!/usr/bin/env node
// edgevm command-line entry: runs the compiled CLI (runtime/dist, from `npm run build`). It needs
// Node >= 22; where the system Node is older, the Node 22 that npm installed (package "node")
// runs the command instead.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const self = fileURLToPath(import.meta.url);
const pkg = join(dirname(self), "..");
const major = Number(process.versions.node.split(".")[0]);
if (major < 22) {
  let local;
  try {
    local = join(dirname(createRequire(self).resolve("node/package.json")), "bin", "node");
  } catch {
    local = undefined;
  }
  if (local === undefined || !existsSync(local)) {
    console.error(
      "edgevm needs Node >= 22: run `npm install` first (it installs Node 22 from npm).",
    );
    process.exit(1);
  }
  const result = spawnSync(local, [self, ...process.argv.slice(2)], { stdio: "inherit" });
  process.exit(result.status ?? 1);
}
const main = join(pkg, "dist", "cli", "main.js");
if (!existsSync(main)) {
  console.error(`edgevm is not built (${main} is missing): run \`npm run build\` first.`);
  process.exit(1);
}
const cli = await import(pathToFileURL(main).href);
process.exitCode = await cli.main(process.argv.slice(2));
