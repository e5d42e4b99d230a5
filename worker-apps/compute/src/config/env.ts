import type { HostDirectoryApi } from "../hosts/directory-api.js";
import type { JobRecordApi } from "../jobs/record-api.js";

/**
 * The compute Worker's bindings. This is the contract with `runtime/` (which generates the workerd
 * config) and with the root `wrangler.toml`: keep the names stable. A leaf: the Durable Objects
 * are typed by their RPC interfaces (`*-api.ts`), never by the classes, so nothing here depends on
 * the modules that use `Env`.
 */
export interface Env {
  /** this region's name, e.g. "eu-west" */
  REGION: string;
  /** JSON: `[{ "name": "eu-west", "url": "http://127.0.0.1:8801", "location": { "lat": 48.8, "lon": 2.3 } }, …]` */
  REGIONS: string;
  /**
   * Service binding to this region's configured emulator host, used while the region's directory
   * (`HOSTS`) lists no host (an external address in the generated workerd
   * config). Absent under `wrangler dev`, which cannot bind a service to an external address; then
   * `EMULATOR_URL` is used instead (see `emulator/emulator-fetch.ts`).
   */
  EMULATOR?: Fetcher;
  /** base URL of the emulator host, used only when `EMULATOR` is not bound (`wrangler dev`) */
  EMULATOR_URL?: string;
  /** HMAC secret shared with the emulator host (a secret: `.dev.vars` or `wrangler secret put`) */
  EMULATOR_SECRET: string;
  /** JSON: `[{ "sha256": "<hex sha256 of the key>", "tenant": "acme" }]` */
  API_KEYS: string;
  /** class `JobRecord` (SQLite-backed Durable Object): one object per async job */
  JOBS: DurableObjectNamespace<JobRecordApi>;
  /** class `HostDirectory`: one object per region (named after it), the region's emulator hosts */
  HOSTS: DurableObjectNamespace<HostDirectoryApi>;
}
