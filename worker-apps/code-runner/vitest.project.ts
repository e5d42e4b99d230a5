/** The `code-runner` vitest project (imported by the root vitest.config.ts); see example-kit/testing/project.ts. */
import type { TestProjectInlineConfiguration } from "vitest/config";
import { exampleAppProject } from "../example-kit/testing/project.js";

export function codeRunnerProject(): TestProjectInlineConfiguration {
  return exampleAppProject("code-runner", import.meta.dirname);
}
