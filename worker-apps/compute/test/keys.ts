/** API keys of the Worker tests (hashed into API_KEYS by vitest.config.ts). No imports: shared by Node and workerd. */
export const KEY_A = "worker-test-key-a";
export const TENANT_A = "tenant-a";
export const KEY_B = "worker-test-key-b";
export const TENANT_B = "tenant-b";
