import { defineConfig } from "vitest/config";

/**
 * Two projects: `unit` (pure logic, fake drivers, host-mode agent; seconds) and `e2e` (real QEMU
 * guests through the real service; files run one at a time because the machine has 2 cores).
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          testTimeout: 180_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
