export { AGENT_CFLAGS, type Compiler, compileAgent, detectCompiler } from "./agent-build.js";
export { type EnsureImageOptions, ensureImage, type ImageArtifacts } from "./builder.js";
export { type CpioEntry, type CpioRecord, parseCpio, writeCpio } from "./cpio.js";
export { findPvhEntry, parseElf, readElfNotes } from "./elf.js";
export {
  getImageDefinition,
  hasImage,
  type ImageDefinition,
  type ImageSummary,
  listImages,
} from "./images.js";
export { extractVmlinux, findKernel, type KernelInfo, type KernelSelection } from "./kernel.js";
export { type ImageInputs, type ImageManifest, parseManifest } from "./manifest.js";
export { parseModulesDep, resolveModules } from "./modules.js";
export { DEFAULT_AGENT_SOURCE } from "./plan.js";
export {
  createConsoleReporter,
  formatProgress,
  type ImageProgress,
  type ProgressListener,
  type ReporterOptions,
} from "./progress.js";
