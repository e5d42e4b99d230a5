/** The `text-pipeline` vitest project (imported by the root vitest.config.ts); see example-kit/testing/project.ts. */
import type { TestProjectInlineConfiguration } from "vitest/config";
import { exampleAppProject } from "../example-kit/testing/project.js";

export function textPipelineProject(): TestProjectInlineConfiguration {
  return exampleAppProject("text-pipeline", import.meta.dirname);
}
