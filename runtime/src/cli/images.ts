import { parseArgs } from "node:util";
import { createConsoleReporter, listImages } from "@edgevm/emulator/images";
import { prepareImages } from "@edgevm/emulator/service";
import { createLogger, levelFromEnv } from "@edgevm/observability";
import { loadEmulatorConfig } from "./load-config.js";

/** `edgevm images build|list` */
export async function imagesCommand(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { config: { type: "string" } },
  });
  const sub = positionals[0] ?? "list";
  if (sub === "list") {
    for (const image of listImages()) process.stdout.write(`${image.name}\t${image.description}\n`);
    return 0;
  }
  if (sub !== "build") {
    process.stderr.write(`edgevm images: unknown subcommand "${sub}" (build or list)\n`);
    return 2;
  }
  const config = loadEmulatorConfig(values.config);
  const level = levelFromEnv(process.env);
  const logger = createLogger(level ? { level } : {});
  const images = await prepareImages(config.stateDir, logger, createConsoleReporter());
  for (const image of images.values()) {
    process.stdout.write(
      `image ${image.name}: ${image.dir}${image.built ? " (built)" : " (cached)"}\n`,
    );
  }
  return 0;
}
