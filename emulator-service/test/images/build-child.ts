// Run by builder.test.ts in a separate process: builds an image and prints the outcome as JSON.
import { ensureImage } from "../../src/images/builder.js";

const [cacheDir, agentSource] = process.argv.slice(2);
if (cacheDir === undefined || agentSource === undefined)
  throw new Error("usage: cacheDir agentSource");
const a = await ensureImage({ name: "base", cacheDir, agentSource, onLog: () => undefined });
process.stdout.write(
  `${JSON.stringify({ hash: a.hash, built: a.built, initrd: a.manifest.files.initrd.sha256 })}\n`,
);
