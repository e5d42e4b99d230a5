import { describe, expect, it } from "vitest";
import {
  AGENT_PORT_NAME,
  buildKernelCmdline,
  buildQemuArgs,
  type QemuLaunchSpec,
} from "../../src/vm/qemu/args.js";

function spec(overrides: Partial<QemuLaunchSpec> = {}): QemuLaunchSpec {
  return {
    vmId: "vm-1",
    accel: "tcg",
    memoryMiB: 256,
    vcpus: 2,
    boot: {
      kernel: "/images/base/vmlinux",
      initrd: "/images/base/initrd.cpio",
      cmdline: "console=ttyS0 panic=-1",
    },
    memory: { kind: "anonymous" },
    qmpSocket: "/run/edgevm/vm-1/qmp.sock",
    agentSocket: "/run/edgevm/vm-1/agent.sock",
    pidFile: "/run/edgevm/vm-1/qemu.pid",
    incoming: false,
    migratable: false,
    ...overrides,
  };
}

/** The value following `flag` (first occurrence). */
function argAfter(args: string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i < 0 ? undefined : args[i + 1];
}

/** All values following every occurrence of `flag`. */
function valuesOf(args: string[], flag: string): string[] {
  const out: string[] = [];
  args.forEach((a, i) => {
    if (a === flag && args[i + 1] !== undefined) out.push(args[i + 1] as string);
  });
  return out;
}

/** Whether `a` then `b` appear as adjacent arguments. */
function hasPair(args: string[], a: string, b: string): boolean {
  return args.some((x, i) => x === a && args[i + 1] === b);
}

describe("buildKernelCmdline", () => {
  it("includes the fixed boot flags and panic=-1", () => {
    const parts = buildKernelCmdline({ tscKhz: undefined, lpj: undefined }).split(" ");
    expect(parts).toContain("panic=-1");
    expect(parts).toContain("console=ttyS0");
    expect(parts).toContain("rdinit=/init");
    expect(parts).toContain("pci=off");
  });

  it("omits tsc_early_khz and lpj when they are not known", () => {
    const line = buildKernelCmdline({ tscKhz: undefined, lpj: undefined });
    expect(line).not.toContain("tsc_early_khz");
    expect(line).not.toMatch(/\blpj=/);
  });

  it("adds tsc_early_khz and lpj when given", () => {
    const parts = buildKernelCmdline({ tscKhz: 2596120, lpj: 10384480 }).split(" ");
    expect(parts).toContain("tsc_early_khz=2596120");
    expect(parts).toContain("lpj=10384480");
  });

  it("adds only the one that is given", () => {
    const onlyTsc = buildKernelCmdline({ tscKhz: 1000, lpj: undefined });
    expect(onlyTsc).toContain("tsc_early_khz=1000");
    expect(onlyTsc).not.toMatch(/\blpj=/);
    const onlyLpj = buildKernelCmdline({ tscKhz: undefined, lpj: 42 });
    expect(onlyLpj).toContain("lpj=42");
    expect(onlyLpj).not.toContain("tsc_early_khz");
  });

  it("appends extra arguments at the end, in order", () => {
    const parts = buildKernelCmdline({
      tscKhz: 1,
      lpj: 2,
      extra: ["edgevm.template=1", "foo=bar"],
    }).split(" ");
    expect(parts.slice(-2)).toEqual(["edgevm.template=1", "foo=bar"]);
    expect(parts.indexOf("lpj=2")).toBeLessThan(parts.indexOf("edgevm.template=1"));
  });

  it("is a single line with no empty parts", () => {
    const line = buildKernelCmdline({ tscKhz: undefined, lpj: undefined, extra: [] });
    expect(line).not.toContain("\n");
    expect(line.split(" ").every((p) => p.length > 0)).toBe(true);
  });
});

describe("buildQemuArgs", () => {
  it("names the VM edgevm:<id> and sets the basic machine flags", () => {
    const args = buildQemuArgs(spec({ vmId: "abc123" }));
    expect(argAfter(args, "-name")).toBe("edgevm:abc123");
    expect(argAfter(args, "-M")).toBe("microvm,rtc=on");
    expect(argAfter(args, "-smp")).toBe("2");
    expect(args).toContain("-nodefaults");
    expect(args).toContain("-no-user-config");
    expect(args).toContain("-no-reboot");
    expect(hasPair(args, "-display", "none")).toBe(true);
  });

  it("has no network device", () => {
    const args = buildQemuArgs(spec());
    expect(hasPair(args, "-nic", "none")).toBe(true);
    expect(args.some((a) => /virtio-net|netdev|e1000|user,/.test(a))).toBe(false);
    expect(args).not.toContain("-netdev");
  });

  it("passes kernel, initrd and cmdline through when booting", () => {
    const args = buildQemuArgs(spec({ boot: { kernel: "/k", initrd: "/i", cmdline: "a b c" } }));
    expect(argAfter(args, "-kernel")).toBe("/k");
    expect(argAfter(args, "-initrd")).toBe("/i");
    expect(argAfter(args, "-append")).toBe("a b c");
  });

  it("loads no kernel, initrd or cmdline for a clone (boot undefined)", () => {
    const args = buildQemuArgs(spec({ boot: undefined, incoming: true, migratable: true }));
    expect(args).not.toContain("-kernel");
    expect(args).not.toContain("-initrd");
    expect(args).not.toContain("-append");
    // the rest of the machine is unchanged
    expect(argAfter(args, "-pidfile")).toBe("/run/edgevm/vm-1/qemu.pid");
    expect(hasPair(args, "-nic", "none")).toBe(true);
  });

  it("uses TCG with qemu64,+arat", () => {
    const args = buildQemuArgs(spec({ accel: "tcg" }));
    expect(hasPair(args, "-accel", "tcg")).toBe(true);
    expect(argAfter(args, "-cpu")).toBe("qemu64,+arat");
    expect(args).not.toContain("kvm");
  });

  it("uses KVM with -cpu host", () => {
    const args = buildQemuArgs(spec({ accel: "kvm" }));
    expect(hasPair(args, "-accel", "kvm")).toBe(true);
    expect(argAfter(args, "-cpu")).toBe("host");
    expect(args).not.toContain("tcg");
  });

  it("anonymous memory: only -m, no backend object", () => {
    const args = buildQemuArgs(spec({ memoryMiB: 192, memory: { kind: "anonymous" } }));
    expect(argAfter(args, "-m")).toBe("192M");
    expect(args).not.toContain("-object");
    expect(args.some((a) => a.includes("memory-backend"))).toBe(false);
  });

  it("shared file memory: memory-backend-file with share=on", () => {
    const args = buildQemuArgs(
      spec({ memoryMiB: 128, memory: { kind: "file", path: "/state/t/ram", shared: true } }),
    );
    expect(argAfter(args, "-m")).toBe("128M");
    expect(argAfter(args, "-object")).toBe(
      "memory-backend-file,id=mem,size=128M,mem-path=/state/t/ram,share=on",
    );
    expect(valuesOf(args, "-machine")).toContain("memory-backend=mem");
  });

  it("private file memory: share=off (copy-on-write clone)", () => {
    const args = buildQemuArgs(
      spec({ memoryMiB: 128, memory: { kind: "file", path: "/state/t/ram", shared: false } }),
    );
    const object = argAfter(args, "-object");
    expect(object).toContain("share=off");
    expect(object).not.toContain("share=on");
    expect(valuesOf(args, "-machine")).toContain("memory-backend=mem");
  });

  it("wires the QMP and agent sockets, the agent port name and the pid file", () => {
    const s = spec();
    const args = buildQemuArgs(s);
    const chardevs = valuesOf(args, "-chardev");
    expect(chardevs).toContain(`socket,id=qmp,path=${s.qmpSocket}`);
    expect(chardevs).toContain(`socket,id=agent,path=${s.agentSocket}`);
    expect(chardevs).toContain("stdio,id=con,signal=off");
    expect(argAfter(args, "-mon")).toBe("chardev=qmp,mode=control");
    const devices = valuesOf(args, "-device");
    expect(devices).toContain("virtio-serial-device");
    expect(devices).toContain(`virtserialport,chardev=agent,name=${AGENT_PORT_NAME}`);
    expect(AGENT_PORT_NAME).toBe("edgevm.0");
    expect(argAfter(args, "-serial")).toBe("chardev:con");
    expect(argAfter(args, "-pidfile")).toBe(s.pidFile);
  });

  it("adds -incoming defer only for incoming clones", () => {
    expect(hasPair(buildQemuArgs(spec({ incoming: true })), "-incoming", "defer")).toBe(true);
    expect(buildQemuArgs(spec({ incoming: false }))).not.toContain("-incoming");
  });

  it("adds migration.store-global-state=off only when migratable", () => {
    expect(
      hasPair(
        buildQemuArgs(spec({ migratable: true })),
        "-global",
        "migration.store-global-state=off",
      ),
    ).toBe(true);
    expect(buildQemuArgs(spec({ migratable: false }))).not.toContain("-global");
  });

  it("a clone (incoming + migratable + private file) has all three", () => {
    const args = buildQemuArgs(
      spec({
        incoming: true,
        migratable: true,
        memory: { kind: "file", path: "/r", shared: false },
      }),
    );
    expect(hasPair(args, "-incoming", "defer")).toBe(true);
    expect(hasPair(args, "-global", "migration.store-global-state=off")).toBe(true);
    expect(argAfter(args, "-object")).toContain("share=off");
  });

  it("every flag has its value (no undefined or empty arguments)", () => {
    const args = buildQemuArgs(
      spec({
        memory: { kind: "file", path: "/r", shared: true },
        migratable: true,
        incoming: true,
      }),
    );
    for (const a of args) {
      expect(typeof a).toBe("string");
      expect(a.length).toBeGreaterThan(0);
    }
  });
});
