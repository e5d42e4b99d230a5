import { describe, expect, it } from "vitest";
import { isOurVm } from "../../src/vm/reaper.js";

const argv = (...args: string[]) => `${args.join("\0")}\0`;

describe("isOurVm", () => {
  const runDir = "/tmp/edgevm-local-host-1";

  it("accepts a QEMU command line with -name edgevm: and a path under runDir", () => {
    const cmdline = argv(
      "qemu-system-x86_64",
      "-name",
      "edgevm:vm-abc",
      "-nodefaults",
      "-pidfile",
      `${runDir}/vm-abc/qemu.pid`,
    );
    expect(isOurVm(cmdline, runDir)).toBe(true);
  });

  it("works without the trailing NUL", () => {
    expect(
      isOurVm(["qemu", "-name", "edgevm:x", "-pidfile", `${runDir}/x.pid`].join("\0"), runDir),
    ).toBe(true);
  });

  it("rejects a command line without the edgevm: name", () => {
    expect(
      isOurVm(argv("qemu-system-x86_64", "-name", "other:vm", "-pidfile", `${runDir}/p`), runDir),
    ).toBe(false);
    expect(isOurVm(argv("qemu-system-x86_64", "-pidfile", `${runDir}/p`), runDir)).toBe(false);
  });

  it("rejects a command line without a path under runDir", () => {
    expect(isOurVm(argv("qemu-system-x86_64", "-name", "edgevm:vm"), runDir)).toBe(false);
    // runDir itself (no child path) is not enough
    expect(isOurVm(argv("qemu", "-name", "edgevm:vm", runDir), runDir)).toBe(false);
  });

  it("rejects the VMs of another service (a different runDir)", () => {
    const other = argv(
      "qemu",
      "-name",
      "edgevm:vm",
      "-pidfile",
      "/tmp/edgevm-eu-host-2/vm/qemu.pid",
    );
    expect(isOurVm(other, runDir)).toBe(false);
  });

  it("rejects a runDir that only shares a prefix", () => {
    const cmdline = argv("qemu", "-name", "edgevm:vm", "-pidfile", "/tmp/ab/vm/qemu.pid");
    expect(isOurVm(cmdline, "/tmp/a")).toBe(false);
    expect(isOurVm(cmdline, "/tmp/ab")).toBe(true);
  });

  it("does not match a non-QEMU process that merely mentions the strings in one argument", () => {
    // e.g. a shell whose single argument contains both, not as separate argv entries
    const cmdline = argv("sh", "-c", `echo edgevm:vm ${runDir}/x`);
    expect(isOurVm(cmdline, runDir)).toBe(false);
  });

  it("an empty command line (kernel thread) is not ours", () => {
    expect(isOurVm("", runDir)).toBe(false);
  });
});
