import { parseArgs } from "node:util";
import { createConsoleReporter } from "@edgevm/emulator/images";
import { startEmulatorService } from "@edgevm/emulator/service";
import { createLogger, levelFromEnv } from "@edgevm/observability";
import { configIntFlag } from "./flags.js";
import { loadEmulatorConfig } from "./load-config.js";

/** `edgevm emulator`: one emulator host, until SIGINT/SIGTERM. */
export async function emulatorCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: "string" },
      region: { type: "string" },
      "host-id": { type: "string" },
      port: { type: "string" },
      listen: { type: "string" },
      secret: { type: "string" },
      accel: { type: "string" },
      warm: { type: "string" },
      spawned: { type: "string" },
      join: { type: "string" },
      advertise: { type: "string" },
    },
  });
  const config = loadEmulatorConfig(values.config, {
    region: values.region,
    host: values["host-id"],
    port: configIntFlag(values.port, "port"),
    listenHost: values.listen,
    secret: values.secret,
    accel: values.accel,
    warm: configIntFlag(values.warm, "warm"),
    spawned: configIntFlag(values.spawned, "spawned"),
    joinUrl: values.join,
    advertiseUrl: values.advertise,
  });
  const level = levelFromEnv(process.env);
  const logger = createLogger({
    ...(level ? { level } : {}),
    fields: { region: config.region, host: config.host },
  });
  if (config.secretIsDefault) {
    logger.warn(
      "using the development secret; set EDGEVM_EMULATOR_SECRET or --secret outside local development",
    );
  }
  const service = await startEmulatorService({
    config,
    logger,
    onImageProgress: createConsoleReporter(),
  });
  process.stdout.write(
    `edgevm emulator ready: ${service.url} (region ${config.region}, host ${config.host}, ${service.accel.accel})\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  logger.info("shutting down");
  await service.close();
  return 0;
}
