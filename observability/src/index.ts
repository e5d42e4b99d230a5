/**
 * Structured logs and Prometheus metrics with Web APIs only, so they run in Node and in workerd.
 * The region Workers and the front door use them; the emulator host uses them too.
 */
export * from "./log/index.js";
export * from "./metrics/index.js";
