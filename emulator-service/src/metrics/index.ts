export {
  createEmulatorMetrics,
  type EmulatorMetrics,
  JOB_DURATION_BUCKETS,
  TEMPLATE_BOOT_BUCKETS,
  VM_START_BUCKETS,
} from "./emulator-metrics.js";
