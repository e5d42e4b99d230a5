/**
 * The `text-pipeline` vitest project (imported by the root vitest.config.ts): the app runs inside
 * workerd with @cloudflare/vitest-pool-workers, its `VMS` binding (from wrangler.toml:
 * `edgevm-compute` / `VmService`) served by a fake compute Worker (test/fake-vms.ts, bundled here
 * with esbuild because auxiliary Workers take JavaScript).
 */

import { fileURLToPath } from "node:url";
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { buildSync } from "esbuild";
import type { TestProjectInlineConfiguration } from "vitest/config";

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

function bundle(entry: string): string {
  const out = buildSync({
    entryPoints: [here(entry)],
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2023",
    external: ["cloudflare:*"],
    write: false,
  });
  const file = out.outputFiles[0];
  if (file === undefined) throw new Error(`esbuild produced nothing for ${entry}`);
  return file.text;
}

export function textPipelineProject(): TestProjectInlineConfiguration {
  return {
    plugins: [
      cloudflareTest({
        main: here("./src/index.ts"),
        wrangler: { configPath: here("./wrangler.toml") },
        miniflare: {
          workers: [
            {
              name: "edgevm-compute",
              modules: true,
              script: bundle("./test/fake-vms.ts"),
              compatibilityDate: "2026-07-22",
            },
          ],
          serviceBindings: {
            FAKE_VMS: { name: "edgevm-compute", entrypoint: "FakeControl" },
          },
        },
      }),
    ],
    test: {
      name: "text-pipeline",
      include: ["worker-apps/text-pipeline/test/**/*.test.ts"],
      testTimeout: 20_000,
    },
  };
}
