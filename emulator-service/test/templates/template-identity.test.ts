import { describe, expect, it } from "vitest";
import { templateIdentity } from "../../src/templates/store.js";

const base = {
  key: { image: "base", memoryMiB: 128, vcpus: 1 },
  accel: "tcg",
  imageHash: "sha256:aaaa",
  driver: '{"qemu":"QEMU emulator version 8.2.2","cmdline":"console=ttyS0 panic=-1"}',
};

describe("templateIdentity", () => {
  it("is a 16-character hex string", () => {
    expect(templateIdentity(base)).toMatch(/^[0-9a-f]{16}$/);
  });

  it("is stable for equal input (including a fresh copy)", () => {
    expect(templateIdentity(base)).toBe(templateIdentity(base));
    expect(templateIdentity(structuredClone(base))).toBe(templateIdentity(base));
  });

  it("changes with each field", () => {
    const id = templateIdentity(base);
    const variants = [
      { ...base, key: { ...base.key, image: "python" } },
      { ...base, key: { ...base.key, memoryMiB: 256 } },
      { ...base, key: { ...base.key, vcpus: 2 } },
      { ...base, accel: "kvm" },
      { ...base, imageHash: "sha256:bbbb" },
      {
        ...base,
        driver: '{"qemu":"QEMU emulator version 9.0.0","cmdline":"console=ttyS0 panic=-1"}',
      },
      {
        ...base,
        driver: '{"qemu":"QEMU emulator version 8.2.2","cmdline":"console=ttyS0 panic=-1 lpj=1"}',
      },
    ];
    const ids = variants.map((v) => templateIdentity(v));
    for (const other of ids) expect(other).not.toBe(id);
    expect(new Set(ids).size).toBe(variants.length);
  });
});
