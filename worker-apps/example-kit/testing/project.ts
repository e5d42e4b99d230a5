/**
 * The vitest project of an example app (each app's vitest.config.ts calls this): the app runs
 * inside workerd with @cloudflare/vitest-pool-workers, its `VMS` binding (from its wrangler.toml:
 * `edgevm-compute` / `VmService`) served by the fake compute Worker in fake-vms.ts, bundled here
 * with esbuild because auxiliary Workers take JavaScript.
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { buildSync } from "esbuild";
import type { TestProjectInlineConfiguration } from "vitest/config";

function bundleFakeVms(): string {
  const out = buildSync({
    entryPoints: [fileURLToPath(new URL("./fake-vms.ts", import.meta.url))],
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2023",
    external: ["cloudflare:*"],
    write: false,
  });
  const file = out.outputFiles[0];
  if (file === undefined) throw new Error("esbuild produced nothing for fake-vms.ts");
  return file.text;
}

/** `appDir`: the app's folder (with src/index.ts, wrangler.toml and test/). */
export function exampleAppProject(name: string, appDir: string): TestProjectInlineConfiguration {
  return {
    plugins: [
      cloudflareTest({
        main: join(appDir, "src", "index.ts"),
        wrangler: { configPath: join(appDir, "wrangler.toml") },
        miniflare: {
          workers: [
            {
              name: "edgevm-compute",
              modules: true,
              script: bundleFakeVms(),
              compatibilityDate: "2026-07-22",
            },
          ],
          serviceBindings: {
            FAKE_VMS: { name: "edgevm-compute", entrypoint: "FakeControl" },
          },
        },
      }),
    ],
    root: appDir,
    test: {
      name,
      include: ["test/**/*.test.ts"],
      testTimeout: 20_000,
    },
  };
}
