/**
 * The `worker` project's main module (vitest.config.ts): the Worker exactly as `src/index.ts` builds
 * it, except that its isolate context runs on `testClock`, which the tests move forward.
 */

import { createIsolateContext } from "../src/isolate.js";
import { createWorker } from "../src/worker.js";
import { testClock } from "./clock.js";

const worker = createWorker(() => createIsolateContext({ now: testClock.now }));

export const VmService = worker.VmService;
export const JobRecord = worker.JobRecord;
export const HostDirectory = worker.HostDirectory;
export default worker.handler;
