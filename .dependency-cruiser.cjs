/**
 * The dependency rules of the repo, checked by `npm run lint:deps` (part of `npm run check`) and
 * proven to bite by runtime/test/dependency-rules.test.ts. Paths are relative to the repo root.
 * Each rule below says why it exists; docs/ARCHITECTURE.md describes the layers.
 */

const HOST = "^emulator-service/src/";

/**
 * The emulator host's layers, top to bottom. A layer may import any layer below it, never one
 * above: api → jobs → pool → templates → vm → protocol.
 */
const HOST_LAYERS = ["api", "jobs", "pool", "templates", "vm", "protocol"];

/**
 * Host folders beside the layers, with the host folders each may import (besides itself) and, when
 * not everyone may import it, the only folders that may (`service.ts`, the composition root, may
 * import everything and is imported by nothing). `util/` holds small helpers shared by layers
 * (the file lock); `images/` is the guest image builder, used by templates/ and the service.
 */
const HOST_SIDE = {
  images: { imports: ["util"], usedBy: ["templates"] },
  membership: { imports: ["config", "metrics", "util"], usedBy: [] },
  config: { imports: ["util"] },
  metrics: { imports: ["util"] },
  util: { imports: [] },
};

/**
 * Every workspace package's folder (from the root package.json); the root `test/` folder counts
 * as a package of its own.
 */
const PACKAGES = [...require("./package.json").workspaces, "test"];

/** Worker code: each app's `src/`, and example-kit's own modules (not its tests and test tooling). */
const WORKER_CODE = "^worker-apps/(?:[^/]+/src/|example-kit/(?!test/|testing/))";
/** What every Worker may import besides its own package (`cloudflare:*` are workerd's modules). */
const WORKER_DEPS = [
  "^contract/src/",
  "^observability/src/",
  "^node_modules/hono/",
  "^node_modules/zod/",
  "^cloudflare:",
];
/** The example apps also take the example kit and the typed client. */
const EXAMPLE_DEPS = [...WORKER_DEPS, "^worker-apps/example-kit/(?!test/|testing/)", "^sdk/src/"];
const WORKERS = {
  compute: { code: "^worker-apps/compute/src/", deps: WORKER_DEPS },
  "front-door": { code: "^worker-apps/front-door/src/", deps: WORKER_DEPS },
  "code-runner": { code: "^worker-apps/code-runner/src/", deps: EXAMPLE_DEPS },
  "text-pipeline": { code: "^worker-apps/text-pipeline/src/", deps: EXAMPLE_DEPS },
  "example-kit": { code: "^worker-apps/example-kit/(?!test/|testing/)", deps: EXAMPLE_DEPS },
};
/** Host-side packages no Worker may reach (reported by `worker-not-to-host`). */
const HOST_SIDE_PACKAGES = "^(?:emulator-service|runtime|bench)/";

const anyOf = (folders) => `${HOST}(?:${folders.join("|")})/`;

const hostLayerRules = HOST_LAYERS.slice(1).map((layer, i) => ({
  name: "host-layer-order",
  comment: `${layer}/ is below ${HOST_LAYERS.slice(0, i + 1).join(", ")}: it must not import them`,
  severity: "error",
  from: { path: `${HOST}${layer}/` },
  to: { path: anyOf(HOST_LAYERS.slice(0, i + 1)) },
}));

const hostSideRules = Object.entries(HOST_SIDE).flatMap(([folder, { imports, usedBy }]) => [
  {
    name: "host-side-imports",
    comment: `${folder}/ imports only ${imports.length ? imports.join(", ") : "nothing"} of the host`,
    severity: "error",
    from: { path: `${HOST}${folder}/` },
    to: { path: HOST, pathNot: anyOf([folder, ...imports]) },
  },
  ...(usedBy
    ? [
        {
          name: "host-side-users",
          comment: `${folder}/ is imported only by ${[...usedBy, "service.ts"].join(", ")}`,
          severity: "error",
          from: { path: HOST, pathNot: [anyOf([folder, ...usedBy]), `${HOST}service\\.ts$`] },
          to: { path: `${HOST}${folder}/` },
        },
      ]
    : []),
]);

const workerRules = Object.entries(WORKERS).map(([app, { code, deps }]) => ({
  name: "worker-allowed-deps",
  comment: `${app} (a Worker) imports only its own modules and ${deps.join(", ")}`,
  severity: "error",
  from: { path: code },
  to: { pathNot: [`^worker-apps/${app}/`, HOST_SIDE_PACKAGES, ...deps] },
}));

/** @type {import("dependency-cruiser").IConfiguration} */
module.exports = {
  forbidden: [
    ...hostLayerRules,
    {
      name: "host-composition-root",
      comment: "service.ts wires the host together; no host module imports it",
      severity: "error",
      from: { path: HOST, pathNot: `${HOST}service\\.ts$` },
      to: { path: `${HOST}service\\.ts$` },
    },
    ...hostSideRules,
    {
      name: "worker-not-to-host",
      comment: "Workers run in workerd: never the host, the runtime or the bench (their tests may)",
      severity: "error",
      from: { path: WORKER_CODE },
      to: { path: HOST_SIDE_PACKAGES },
    },
    ...workerRules,
    {
      name: "sdk-contract-types-only",
      comment: "the client takes only types from @edgevm/contract (and its SSE parser), no zod",
      severity: "error",
      from: { path: "^sdk/src/" },
      to: {
        path: "^contract/src/",
        pathNot: "^contract/src/sse\\.ts$",
        dependencyTypesNot: ["type-only"],
      },
    },
    {
      name: "sdk-self-contained",
      comment: "the client runs in Node and in workerd: it imports only itself and the contract",
      severity: "error",
      from: { path: "^sdk/src/" },
      to: { pathNot: "^(?:sdk|contract)/src/" },
    },
    {
      name: "contract-only-zod",
      comment: "contract and observability are leaves: they import only zod and themselves",
      severity: "error",
      from: { path: "^(contract|observability)/src/" },
      to: { pathNot: ["^$1/src/", "^node_modules/zod/"] },
    },
    {
      name: "no-relative-cross-package",
      comment: "a package imports another by its name (@edgevm/…), never by a relative path",
      severity: "error",
      from: { path: `^(${PACKAGES.join("|")})/` },
      to: { dependencyTypes: ["local"], dependencyTypesNot: ["aliased"], pathNot: "^$1/" },
    },
    {
      name: "no-circular",
      comment:
        "no import cycle that exists at run time (a cycle through a type-only import is not one)",
      severity: "error",
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ["type-only"] } },
    },
    {
      name: "no-circular-types",
      comment:
        "no cycle through a type-only import either, except in the Workers: their Env names " +
        "their Durable Object classes, which take that Env (compute: config/env.ts)",
      severity: "error",
      from: { pathNot: "^worker-apps/" },
      to: { circular: true, via: { dependencyTypes: ["type-only"] } },
    },
    {
      name: "not-to-unresolvable",
      comment: "every import resolves to a file, a package or a built-in module",
      severity: "error",
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: "deps-in-own-package-json",
      comment:
        "shipped code uses only packages its own package.json lists (a runtime dependency hoisted from another workspace is not one); tests may use the root's devDependencies",
      severity: "error",
      from: { path: "(?:^|/)src/" },
      to: { dependencyTypes: ["npm-no-pkg", "npm-unknown", "npm-dev"] },
    },
    {
      name: "no-src-to-test",
      comment: "shipped code never imports tests or test helpers",
      severity: "error",
      from: { path: `(?:^|/)src/|${WORKER_CODE}` },
      to: { path: "(?:^|/)test/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    // our packages' build output (not node_modules/*/dist/: that would drop hono from the graph)
    exclude: { path: `^(?:${PACKAGES.join("|")})/dist/` },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    // each module's dependencies are checked against its own package's package.json
    combinedDependencies: false,
    // workspace packages resolve to their TypeScript sources, as in tsc and vitest
    enhancedResolveOptions: {
      conditionNames: ["source", "import", "default"],
      exportsFields: ["exports"],
    },
    builtInModules: { add: ["cloudflare:workers", "cloudflare:test", "cloudflare:sockets"] },
  },
};
