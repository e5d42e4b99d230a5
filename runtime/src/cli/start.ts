import { parseArgs } from "node:util";
import { createConsoleReporter } from "@edgevm/emulator/images";
import { createLogger, levelFromEnv } from "@edgevm/observability";
import { startEdge } from "../edge.js";
import { loadEdgeConfig, REPO_ROOT } from "./load-config.js";

/**
 * One line per region hosting apps, `apps (in eu-west): code-runner http://…  text-pipeline …`,
 * and a blank line; nothing without apps.
 */
function appLines(apps: ReadonlyArray<{ name: string; url: string; region: string }>): string[] {
  const regions = [...new Set(apps.map((a) => a.region))];
  const lines = regions.map((region) => {
    const list = apps.filter((a) => a.region === region).map((a) => `${a.name} ${a.url}`);
    return `apps (in ${region}): ${list.join("  ")}`;
  });
  return lines.length ? [...lines, ""] : [];
}

/** How to add a host to a running region (a printed example, the first region's). */
function joinHint(region: { name: string; url: string; hosts: unknown[] } | undefined): string[] {
  if (region === undefined) return [];
  const id = `${region.name}-${region.hosts.length + 1}`;
  return [
    `add a host to a region: npx edgevm emulator --region ${region.name} --host-id ${id} --port 8799 --join ${region.url}`,
    "",
  ];
}

/** `edgevm start`: the whole local edge (every region, its emulator host, the front door). */
export async function startCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { config: { type: "string" } } });
  const { emulator, regions } = loadEdgeConfig(values.config);
  const level = levelFromEnv(process.env);
  const logger = createLogger({ level: level ?? "warn", fields: { component: "runtime" } });
  const edge = await startEdge({
    repoRoot: REPO_ROOT,
    regions,
    emulator,
    logger,
    onImageProgress: createConsoleReporter(),
  });
  const lines = [
    "",
    `edgevm is running: ${edge.frontDoorUrl}`,
    "",
    "regions:",
    ...edge.regions.map(
      (r) =>
        `  ${r.name.padEnd(10)} ${r.url}  (emulator${r.hosts.length > 1 ? "s" : ""} ${r.hosts.map((h) => `${h.id} ${h.url}`).join(", ")})`,
    ),
    "",
    ...joinHint(edge.regions[0]),
    ...appLines(edge.apps),
    "API keys (Authorization: Bearer <key>):",
    ...edge.apiKeys.map((k) => `  ${k.key}  (tenant ${k.tenant})`),
    "",
    `try: curl -s ${edge.frontDoorUrl}/v1/jobs -H 'authorization: Bearer ${edge.apiKeys[0]?.key}' -d '{"command":["echo","hello"]}'`,
    "",
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
  process.stdout.write("stopping…\n");
  await edge.stop();
  return 0;
}
