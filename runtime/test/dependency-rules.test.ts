/**
 * `.dependency-cruiser.cjs` bites: each fixture breaks exactly one rule and exactly that rule is
 * reported; the allowed shapes next to them are not; and the real repo has no violation.
 */
import { describe, expect, it } from "vitest";
import {
  describeViolations,
  fixtureTree,
  LINTED,
  packageJson,
  REPO_ROOT,
  violations,
} from "./dependency-fixtures.js";

const HOST = "emulator-service/src";

interface Case {
  what: string;
  rule: string;
  files: Record<string, string>;
}

const CASES: Case[] = [
  {
    what: "a lower host layer importing a higher one (vm → jobs, type-only)",
    rule: "host-layer-order",
    files: {
      [`${HOST}/jobs/runner.ts`]: "export interface JobRunner { run(): void }\n",
      [`${HOST}/vm/driver.ts`]:
        'import type { JobRunner } from "../jobs/runner.js";\nexport type R = JobRunner;\n',
    },
  },
  {
    what: "pool/ importing jobs/",
    rule: "host-layer-order",
    files: {
      [`${HOST}/jobs/admission.ts`]: "export const SLOTS = 1;\n",
      [`${HOST}/pool/pool-set.ts`]:
        'import { SLOTS } from "../jobs/admission.js";\nexport const n = SLOTS;\n',
    },
  },
  {
    what: "a host module importing the composition root",
    rule: "host-composition-root",
    files: {
      [`${HOST}/service.ts`]: "export const service = 1;\n",
      [`${HOST}/api/app.ts`]:
        'import { service } from "../service.js";\nexport const a = service;\n',
    },
  },
  {
    what: "jobs/ using the image builder (only templates/ and service.ts may)",
    rule: "host-side-users",
    files: {
      [`${HOST}/images/builder.ts`]: "export const build = 1;\n",
      [`${HOST}/jobs/engine.ts`]:
        'import { build } from "../images/builder.js";\nexport const e = build;\n',
    },
  },
  {
    what: "config/ importing metrics/ (config imports only util/)",
    rule: "host-side-imports",
    files: {
      [`${HOST}/metrics/index.ts`]: "export const m = 1;\n",
      [`${HOST}/config/pools.ts`]:
        'import { m } from "../metrics/index.js";\nexport const p = m;\n',
    },
  },
  {
    what: "a Worker importing the host by name",
    rule: "worker-not-to-host",
    files: {
      [`${HOST}/vm/types.ts`]: "export type Accel = 'tcg' | 'kvm';\n",
      "worker-apps/compute/src/index.ts":
        'import type { Accel } from "@edgevm/emulator/vm/types";\nexport type A = Accel;\n',
    },
  },
  {
    what: "the region Worker taking the example apps' client",
    rule: "worker-allowed-deps",
    files: {
      "sdk/src/index.ts": "export class EdgevmClient {}\n",
      "worker-apps/front-door/src/app.ts":
        'import { EdgevmClient } from "@edgevm/client";\nexport const c = EdgevmClient;\n',
    },
  },
  {
    what: "a Worker importing a Node built-in",
    rule: "worker-allowed-deps",
    files: {
      "worker-apps/code-runner/src/app.ts":
        'import { readFileSync } from "node:fs";\nexport const r = readFileSync;\n',
    },
  },
  {
    what: "the client importing a value (a zod schema) from the contract",
    rule: "sdk-contract-types-only",
    files: {
      "contract/src/index.ts": "export const jobSchema = {};\n",
      "sdk/src/client.ts":
        'import { jobSchema } from "@edgevm/contract";\nexport const s = jobSchema;\n',
    },
  },
  {
    what: "the client importing something outside itself and the contract",
    rule: "sdk-self-contained",
    files: {
      "sdk/src/client.ts": 'import { z } from "zod";\nexport const s = z;\n',
    },
  },
  {
    what: "observability importing the contract",
    rule: "contract-only-zod",
    files: {
      "contract/src/index.ts": "export const code = 1;\n",
      "observability/src/index.ts":
        'import { code } from "@edgevm/contract";\nexport const c = code;\n',
    },
  },
  {
    what: "a relative import into another package",
    rule: "no-relative-cross-package",
    files: {
      [`${HOST}/service.ts`]: "export const start = 1;\n",
      "runtime/src/edge.ts":
        'import { start } from "../../emulator-service/src/service.js";\nexport const s = start;\n',
    },
  },
  {
    what: "a relative import from the root test/ folder into a package",
    rule: "no-relative-cross-package",
    files: {
      "runtime/src/edge.ts": "export const edge = 1;\n",
      "test/e2e/edge.test.ts":
        'import { edge } from "../../runtime/src/edge.js";\nexport const e = edge;\n',
    },
  },
  {
    what: "an import cycle",
    rule: "no-circular",
    files: {
      "bench/src/a.ts": 'import { b } from "./b.js";\nexport const a = () => b;\n',
      "bench/src/b.ts": 'import { a } from "./a.js";\nexport const b = () => a;\n',
    },
  },
  {
    what: "a cycle through a type-only import, in the host",
    rule: "no-circular-types",
    files: {
      [`${HOST}/pool/a.ts`]: 'import type { B } from "./b.js";\nexport class A { b?: B }\n',
      [`${HOST}/pool/b.ts`]: 'import { A } from "./a.js";\nexport class B extends A {}\n',
    },
  },
  {
    what: "an import that resolves to nothing",
    rule: "not-to-unresolvable",
    files: { "runtime/src/edge.ts": 'import { gone } from "./gone.js";\nexport const g = gone;\n' },
  },
  {
    what: "shipped code importing a test helper",
    rule: "no-src-to-test",
    files: {
      "bench/test/helpers.ts": "export const fake = 1;\n",
      "bench/src/run.ts": 'import { fake } from "../test/helpers.js";\nexport const f = fake;\n',
    },
  },
  {
    what: "shipped code using a package its own package.json does not list (hoisted from another)",
    rule: "deps-in-own-package-json",
    files: {
      "runtime/package.json": packageJson("@edgevm/runtime", { hono: "*" }),
      "runtime/src/regions.ts": 'import { z } from "zod";\nexport const s = z;\n',
    },
  },
];

/** Shapes the rules allow: each is cruised and must report nothing. */
const ALLOWED: Record<string, string> = {
  [`${HOST}/service.ts`]:
    'import { e } from "./jobs/engine.js";\nimport { b } from "./images/builder.js";\nexport const s = [e, b];\n',
  [`${HOST}/jobs/engine.ts`]: 'import { p } from "../pool/pool-set.js";\nexport const e = p;\n',
  [`${HOST}/pool/pool-set.ts`]:
    'import { t } from "../templates/store.js";\nimport { cfg } from "../config/pools.js";\nexport const p = [t, cfg];\n',
  [`${HOST}/templates/store.ts`]:
    'import { lock } from "../util/file-lock.js";\nimport type { Vm } from "../vm/driver.js";\nimport { b } from "../images/builder.js";\nexport const t: Vm | undefined = lock ? undefined : b;\n',
  [`${HOST}/vm/driver.ts`]:
    'import type { Channel } from "../protocol/channel.js";\nexport type Vm = Channel;\n',
  [`${HOST}/protocol/channel.ts`]: "export type Channel = { id: string };\n",
  [`${HOST}/images/builder.ts`]:
    'import { lock } from "../util/file-lock.js";\nexport const b = lock;\n',
  [`${HOST}/util/file-lock.ts`]: "export const lock = 1;\n",
  [`${HOST}/config/pools.ts`]: 'import { z } from "zod";\nexport const cfg = z;\n',
  "contract/src/index.ts":
    'import { z } from "zod";\nexport const schema = z;\nexport type Job = { id: string };\n',
  "contract/src/sse.ts": "export class SseParser {}\n",
  "sdk/src/index.ts":
    'import type { Job } from "@edgevm/contract";\nimport { SseParser } from "@edgevm/contract/sse";\nexport type J = Job;\nexport const p = SseParser;\n',
  "worker-apps/example-kit/app.ts":
    'import { Hono } from "hono";\nimport type { J } from "@edgevm/client";\nexport const app = new Hono();\nexport type K = J;\n',
  "worker-apps/code-runner/src/app.ts":
    'import { app } from "@edgevm/example-kit/app";\nimport { schema } from "@edgevm/contract";\nexport const a = [app, schema];\n',
  // Env ↔ Durable Object: a type-only cycle, allowed in Workers only
  "worker-apps/compute/src/env.ts":
    'import type { JobRecord } from "./job-record.js";\nexport interface Env { JOBS: JobRecord }\n',
  "worker-apps/compute/src/job-record.ts":
    'import type { Env } from "./env.js";\nexport class JobRecord { env?: Env }\n',
  "worker-apps/compute/test/fake.ts":
    'import { s } from "@edgevm/emulator/service";\nexport const f = s;\n',
  "test/e2e/run.test.ts": 'import { s } from "@edgevm/emulator/service";\nexport const r = s;\n',
};

describe("dependency rules", () => {
  it.each(CASES)("$rule: $what", async ({ rule, files }) => {
    const tree = await fixtureTree(files);
    try {
      const found = await violations(tree.dir, LINTED);
      expect(found.length, describeViolations(found).join("\n")).toBeGreaterThan(0);
      expect(new Set(found.map((v) => v.rule.name))).toEqual(new Set([rule]));
    } finally {
      await tree.remove();
    }
  });

  it("allows imports down the layers, by package name, and the Workers' Env type cycle", async () => {
    const tree = await fixtureTree(ALLOWED);
    try {
      expect(describeViolations(await violations(tree.dir, LINTED))).toEqual([]);
    } finally {
      await tree.remove();
    }
  });

  it("finds no violation in the repo", async () => {
    expect(describeViolations(await violations(REPO_ROOT, LINTED))).toEqual([]);
  }, 60_000);
});
