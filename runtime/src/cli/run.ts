import { parseArgs } from "node:util";
import { EmulatorClient } from "@edgevm/contract";
import { intFlag } from "./flags.js";
import { loadEmulatorConfig } from "./load-config.js";

/**
 * `edgevm run [--url U] [--image I] [--timeout MS] [--memory MIB] -- cmd args…`: runs one job on
 * an emulator host, streaming its output to this terminal; exits with the job's exit code.
 */
export async function runCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: "string" },
      image: { type: "string" },
      timeout: { type: "string" },
      memory: { type: "string" },
      json: { type: "boolean", default: false },
    },
  });
  if (!positionals.length) {
    process.stderr.write(
      "usage: edgevm run [--url U] [--image I] [--timeout MS] [--memory MIB] [--json] -- cmd args…\n",
    );
    return 2;
  }
  const config = loadEmulatorConfig(undefined);
  const client = new EmulatorClient(
    values.url ?? `http://${config.listen.host}:${config.listen.port}`,
    config.secret,
  );
  const timeoutMs = intFlag(values.timeout, "--timeout");
  const memoryMiB = intFlag(values.memory, "--memory");
  const job = {
    command: positionals,
    ...(values.image ? { image: values.image } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(memoryMiB !== undefined ? { memoryMiB } : {}),
  };
  if (values.json) {
    process.stdout.write(`${JSON.stringify(await client.run(job), null, 2)}\n`);
    return 0;
  }
  for await (const event of client.stream(job)) {
    if (event.event === "stdout") process.stdout.write(event.data.data);
    else if (event.event === "stderr") process.stderr.write(event.data.data);
    else if (event.event === "error") {
      process.stderr.write(`edgevm: ${event.data.error.code}: ${event.data.error.message}\n`);
      return 1;
    } else if (event.event === "exit") {
      const r = event.data;
      const how =
        r.vm.start === "warm"
          ? "a warm VM"
          : r.vm.start === "restore"
            ? "a restored clone"
            : "a booted VM";
      process.stderr.write(
        `[edgevm] ${r.status}${r.exitCode !== null ? ` (exit ${r.exitCode})` : ""} in ${r.timing.totalMs} ms on ${how} (${r.vm.id}, ${r.region}/${r.host})${r.message ? `: ${r.message}` : ""}\n`,
      );
      return r.exitCode ?? 1;
    }
  }
  return 1;
}
