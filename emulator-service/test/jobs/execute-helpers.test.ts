import { constants } from "node:os";
import { describe, expect, it } from "vitest";
import { crashReason, signalName } from "../../src/jobs/execute.js";

describe("signalName", () => {
  it("names common signals", () => {
    expect(signalName(9)).toBe("SIGKILL");
    expect(signalName(15)).toBe("SIGTERM");
    expect(signalName(2)).toBe("SIGINT");
    expect(signalName(constants.signals.SIGSEGV)).toBe("SIGSEGV");
  });

  it("falls back to SIG<n> for unknown numbers", () => {
    expect(signalName(200)).toBe("SIG200");
  });
});

describe("crashReason", () => {
  const panicTail = [
    "[    1.234567] sysrq: Trigger a crash",
    "[    1.234600] Kernel panic - not syncing: sysrq triggered crash",
    "[    1.234700] CPU: 0 PID: 1 Comm: sh Not tainted",
  ].join("\n");

  it("quotes the kernel panic line from the console tail", () => {
    const reason = crashReason({ requested: false, code: 0, signal: null, consoleTail: panicTail });
    expect(reason).toBe(
      "the guest kernel panicked: Kernel panic - not syncing: sysrq triggered crash",
    );
    expect(reason).not.toContain("\n");
    expect(reason).not.toContain("CPU: 0");
  });

  it("prefers the panic line over the exit code or signal", () => {
    const reason = crashReason({
      requested: false,
      code: null,
      signal: "SIGKILL",
      consoleTail: panicTail,
    });
    expect(reason).toContain("Kernel panic - not syncing: sysrq triggered crash");
    expect(reason).not.toContain("SIGKILL");
  });

  it("describes an exit code when there is no panic", () => {
    expect(
      crashReason({ requested: false, code: 1, signal: null, consoleTail: "booting...\n" }),
    ).toBe("the VM's QEMU process exited with code 1");
    expect(crashReason({ requested: false, code: 0, signal: null, consoleTail: "" })).toBe(
      "the VM's QEMU process exited with code 0",
    );
  });

  it("describes a signal when there is no panic", () => {
    expect(crashReason({ requested: false, code: null, signal: "SIGKILL", consoleTail: "" })).toBe(
      "the VM's QEMU process was killed by SIGKILL",
    );
  });
});
