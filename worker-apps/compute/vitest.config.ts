/**
 * The `worker` vitest project (listed by the root vitest.config.ts): the compute Worker inside
 * workerd via @cloudflare/vitest-pool-workers, against fake emulator hosts served from Node.
 */
import { createHash } from "node:crypto";
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineProject } from "vitest/config";
import { KEY_A, KEY_B, TENANT_A, TENANT_B } from "./test/keys.js";
import { createFakeEmulator, FAKE_SECRET, startFakeHost } from "./test/node/fake-emulator.js";

/** Two fake hosts on real ports, for the region-directory tests (hosts are reached by URL). */
const FAKE_HOST_PORTS = { a: 18961, b: 18962 } as const;
for (const [name, port] of Object.entries(FAKE_HOST_PORTS)) {
  // the config may be evaluated more than once in a process: the first server wins the port
  startFakeHost(port, `host-${name}`).on("error", () => {});
}

const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");

export default defineProject({
  root: import.meta.dirname,
  plugins: [
    cloudflareTest({
      // src/index.ts's Worker on a clock the tests move forward (test/clock.ts)
      main: "./test/main.ts",
      wrangler: { configPath: "../../wrangler.toml" },
      miniflare: {
        bindings: {
          REGION: "test-region",
          REGIONS: JSON.stringify([
            { name: "test-region", url: "http://127.0.0.1:8801" },
            // nothing listens on port 9 (discard): a region that is down
            { name: "down-region", url: "http://127.0.0.1:9" },
          ]),
          // with EMULATOR bound, EMULATOR_URL only labels the host in /v1/regions
          EMULATOR_URL: "http://emulator.test:8790",
          EMULATOR_SECRET: FAKE_SECRET,
          FAKE_HOST_A_URL: `http://127.0.0.1:${FAKE_HOST_PORTS.a}`,
          FAKE_HOST_B_URL: `http://127.0.0.1:${FAKE_HOST_PORTS.b}`,
          API_KEYS: JSON.stringify([
            { sha256: sha256(KEY_A), tenant: TENANT_A },
            { sha256: sha256(KEY_B), tenant: TENANT_B },
          ]),
        },
        serviceBindings: {
          EMULATOR: { node: createFakeEmulator() },
          // how a user Worker binds the RPC entrypoint (the pool maps this name to itself)
          VMS: { name: "edgevm-compute", entrypoint: "VmService", props: { tenant: "app1" } },
        },
      },
    }),
  ],
  test: {
    name: "worker",
    include: ["test/**/*.test.ts"],
    exclude: ["test/unit/**"],
    testTimeout: 20_000,
  },
});
