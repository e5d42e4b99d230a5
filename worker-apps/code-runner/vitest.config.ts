/** The `code-runner` vitest project (listed by the root vitest.config.ts); see example-kit/testing/project.ts. */
import { exampleAppProject } from "@edgevm/example-kit/testing/project";
import { defineProject } from "vitest/config";

export default defineProject(exampleAppProject("code-runner", import.meta.dirname));
