import { existsSync } from "node:fs";
import { join } from "node:path";
import { defaultServerConditions } from "vite";
import { defineConfig } from "vitest/config";

/**
 * Every test of every package. `unit` (pure logic, fake drivers, host-mode agent; seconds) runs
 * each package's own tests; `e2e` (real QEMU guests and workerd through the real services; files
 * one at a time because the machine has 2 cores); the Workers' projects run inside workerd via
 * @cloudflare/vitest-pool-workers, each defined in its package's vitest.config.ts. Workspace
 * packages resolve to their TypeScript sources (the `source` export condition), so tests never
 * run stale builds.
 */
const conditions = ["source", ...defaultServerConditions];

const rootPackage = (await import("./package.json", { with: { type: "json" } })).default;

/** Every workspace package's tests, except the Workers that run theirs in workerd (own config). */
const UNIT_TESTS = rootPackage.workspaces
  .filter((pkg) => !existsSync(join(pkg, "vitest.config.ts")))
  .map((pkg) => `${pkg}/test/**/*.test.ts`);

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: conditions } },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: [...UNIT_TESTS, "worker-apps/compute/test/unit/**/*.test.ts"],
          testTimeout: 20_000,
        },
      },
      {
        extends: true,
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          testTimeout: 180_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
      "worker-apps/compute/vitest.config.ts",
      "worker-apps/code-runner/vitest.config.ts",
      "worker-apps/text-pipeline/vitest.config.ts",
    ],
  },
});
