/**
 * `npm run docs:config`: writes docs/CONFIG.md from the config schema (see config-doc.ts). Run it
 * after changing a field, its description or its default; `npm test` checks the two agree.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { CONFIG_DOC_PATH, renderConfigDoc } from "./config-doc.js";

const REPO_ROOT = join(import.meta.dirname, "..", "..", "..");
writeFileSync(join(REPO_ROOT, CONFIG_DOC_PATH), renderConfigDoc());
process.stdout.write(`wrote ${CONFIG_DOC_PATH}\n`);
