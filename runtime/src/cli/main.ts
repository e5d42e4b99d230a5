import { benchCommand } from "./bench.js";
import { emulatorCommand } from "./emulator.js";
import { isUsageError } from "./flags.js";
import { imagesCommand } from "./images.js";
import { runCommand } from "./run.js";
import { startCommand } from "./start.js";
import { statusCommand } from "./status.js";

const USAGE = `edgevm — fresh microVMs for edge Workers

Usage: edgevm <command> [options]

Commands:
  start [--config F]    start the local edge: every region (emulator host + workerd), front door
  emulator [options]    start one emulator host
      --config <file>   config file (default config/edgevm.json)
      --region <name>   region this host serves
      --host-id <id>    this host's id within the region
      --port <n>        port to listen on (0 = any free port)
      --listen <addr>   address to listen on (default 127.0.0.1)
      --secret <s>      HMAC secret shared with the region's Workers (or EDGEVM_EMULATOR_SECRET)
      --accel <a>       auto | kvm | tcg (default auto: KVM only if a probe guest runs)
      --warm <n>        minimum (and prewarm) warm VMs per image; the autoscaler adds more
      --spawned <n>     pre-spawned clones kept per image at least
      --join <url>      region Worker to join: heartbeats to its directory (or EDGEVM_JOIN_URL)
      --advertise <url> this host's URL as that Worker reaches it (default: the listen URL)
  run [opts] -- cmd…    run one job on an emulator host, streaming its output
      --url <u>         emulator URL (default from config: http://127.0.0.1:8790)
      --image <i>  --timeout <ms>  --memory <MiB>  --json
  images build          build every guest image (cached by content hash)
  images list           list the images a job may name
  status [url]          show an emulator host's capacity (default http://127.0.0.1:8790)
  bench [options]       run the benchmarks, print a table and write JSON (README: Benchmarks)
      --quick           shorter run
      --load [--steps 1:15,10:15,30:15,5:15] [--seed 1] [--fill-concurrency N]
                        open-loop load (Poisson arrivals in steps): table, JSON and an SVG
`;

export async function main(argv: string[]): Promise<number> {
  try {
    return await dispatch(argv);
  } catch (err) {
    if (isUsageError(err)) {
      process.stderr.write(`edgevm: ${(err as Error).message} (edgevm help lists the options)\n`);
      return 2;
    }
    const code = (err as { code?: unknown }).code;
    const cause = (err as { cause?: { code?: unknown } }).cause?.code;
    process.stderr.write(
      `edgevm: ${typeof code === "string" ? `${code}: ` : ""}${(err as Error).message}${cause ? ` (${String(cause)})` : ""}\n`,
    );
    return 1;
  }
}

async function dispatch(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "start":
      return startCommand(rest);
    case "emulator":
      return emulatorCommand(rest);
    case "images":
      return imagesCommand(rest);
    case "run":
      return runCommand(rest);
    case "status":
      return statusCommand(rest);
    case "bench":
      return benchCommand(rest);
    case undefined:
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(USAGE);
      return 0;
    default:
      process.stderr.write(`edgevm: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}
