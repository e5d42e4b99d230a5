/**
 * `edgevm bench --breakdown`: where a fresh VM's CPU time and an idle warm VM's memory go, so the
 * numbers behind the missed targets (jobs/s, memory per VM) are reproducible. CPU comes from
 * /proc/<pid>/stat (10 ms ticks, averaged over several clones); memory from /proc/<pid>/smaps.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { resolveEmulatorConfig } from "@edgevm/emulator/config/resolve";
import { TemplateStore } from "@edgevm/emulator/templates/store";
import { readHostTiming } from "@edgevm/emulator/vm/host-timing";
import { QemuDriver } from "@edgevm/emulator/vm/qemu/driver";
import type { QemuVm } from "@edgevm/emulator/vm/qemu/vm";
import { silentLogger } from "@edgevm/observability";
import type { BenchContext } from "./scenarios.js";
import { type Row, summary } from "./stats.js";

/** Clones measured; CPU ticks are 10 ms, so a few runs are averaged. */
const CLONES = 8;
/** Clock ticks per second of /proc/<pid>/stat on Linux. */
const TICKS_PER_S = 100;

function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_S;
}

/** Pure: anonymous memory of one process by kind, from the text of /proc/<pid>/smaps. */
export function memoryByKind(
  smaps: string,
): Record<"guestCow" | "tcgCache" | "heap" | "other", number> {
  const kib = { guestCow: 0, tcgCache: 0, heap: 0, other: 0 };
  let kind: keyof typeof kib = "other";
  for (const line of smaps.split("\n")) {
    const header = /^[0-9a-f]+-[0-9a-f]+ (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (header) {
      const [, perms = "", path = ""] = header;
      // guest RAM is the template file mapped privately; TCG's code buffer is the rwx anonymous map
      kind = path.includes("/templates/")
        ? "guestCow"
        : perms.startsWith("rwx") && !path
          ? "tcgCache"
          : path === "[heap]"
            ? "heap"
            : "other";
      continue;
    }
    const anon = /^Anonymous:\s+(\d+) kB/.exec(line);
    if (anon?.[1]) kib[kind] += Number(anon[1]);
  }
  return {
    guestCow: kib.guestCow / 1024,
    tcgCache: kib.tcgCache / 1024,
    heap: kib.heap / 1024,
    other: kib.other / 1024,
  };
}

export async function breakdown(ctx: BenchContext): Promise<{ rows: Row[]; raw: unknown }> {
  const runDir = mkdtempSync(join(ctx.templateDir, "..", "bench-breakdown-"));
  const timing = readHostTiming(ctx.image.kernelVersion);
  const driver = new QemuDriver({ runDir, accel: ctx.accel, timing });
  const config = resolveEmulatorConfig({}, process.env);
  const store = new TemplateStore({ dir: config.templateDir, driver, logger: silentLogger() });
  const template = await store.ensure(
    { image: ctx.image.name, memoryMiB: 128, vcpus: 1 },
    ctx.image,
  );
  const phases = {
    spawn: [] as number[],
    restore: [] as number[],
    warmUp: [] as number[],
    echo: [] as number[],
  };
  let memory: ReturnType<typeof memoryByKind> | undefined;
  try {
    for (let i = 0; i < CLONES; i++) {
      const vm: QemuVm = await driver.spawnClone(template);
      const pid = vm.pid ?? -1;
      const c0 = cpuMs(pid);
      await vm.restore();
      const c1 = cpuMs(pid);
      await vm.warmUp();
      const c2 = cpuMs(pid);
      await vm.agent.exec({ argv: ["echo", "hello"] }).exit;
      const c3 = cpuMs(pid);
      if (i === CLONES - 1) memory = memoryByKind(readFileSync(`/proc/${pid}/smaps`, "utf8"));
      phases.spawn.push(c0);
      phases.restore.push(c1 - c0);
      phases.warmUp.push(c2 - c1);
      phases.echo.push(c3 - c2);
      await vm.destroy();
    }
  } finally {
    rmSync(runDir, { recursive: true, force: true });
  }
  const mean = (values: number[]) => summary(values).mean;
  const rows: Row[] = [
    {
      metric: "CPU: QEMU start until its control sockets connect",
      value: mean(phases.spawn),
      unit: "ms",
    },
    { metric: "CPU: restore + INIT (clock, entropy)", value: mean(phases.restore), unit: "ms" },
    {
      metric: "CPU: warm-up exec (TCG translates the exec path)",
      value: mean(phases.warmUp),
      unit: "ms",
    },
    { metric: "CPU: the echo job on the warmed VM", value: mean(phases.echo), unit: "ms" },
    {
      metric: "memory: TCG translated-code cache (anon)",
      value: memory?.tcgCache ?? Number.NaN,
      unit: "MiB",
    },
    { metric: "memory: QEMU heap (anon)", value: memory?.heap ?? Number.NaN, unit: "MiB" },
    {
      metric: "memory: guest pages copied on write (anon)",
      value: memory?.guestCow ?? Number.NaN,
      unit: "MiB",
    },
    {
      metric: "memory: other anonymous (libraries, stacks)",
      value: memory?.other ?? Number.NaN,
      unit: "MiB",
    },
  ];
  return { rows, raw: { clones: CLONES, phasesMs: phases, memoryMiB: memory } };
}
