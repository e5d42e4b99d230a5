import { EdgevmError } from "@edgevm/contract";
import { describe, expect, it } from "vitest";
import { getImageDefinition, hasImage, listImages } from "../../src/images/images.js";
import {
  canonicalJson,
  computeImageHash,
  type ImageInputs,
  parseManifest,
} from "../../src/images/manifest.js";

describe("image registry", () => {
  it("lists the base image with a description", () => {
    const base = listImages().find((i) => i.name === "base");
    expect(base?.description).toMatch(/busybox/);
    expect(Object.keys(base ?? {}).sort()).toEqual(["description", "name"]);
    expect(hasImage("base")).toBe(true);
    expect(getImageDefinition("base").modules).toEqual(
      expect.arrayContaining(["virtio_mmio", "virtio_console"]),
    );
  });

  it("rejects unknown images with UNKNOWN_IMAGE", () => {
    expect(hasImage("nope")).toBe(false);
    try {
      getImageDefinition("nope");
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(EdgevmError);
      expect((err as EdgevmError).code).toBe("UNKNOWN_IMAGE");
    }
  });
});

const inputs: ImageInputs = {
  format: 1,
  image: "base",
  kernel: { version: "6.1.0-56-amd64", vmlinuzSha256: "aa" },
  modules: [{ path: "/lib/modules/x/virtio.ko", sha256: "bb" }],
  busyboxSha256: "cc",
  agent: {
    sourceSha256: "dd",
    headers: [],
    compiler: "musl-gcc",
    compilerVersion: "gcc 12",
    cflags: ["-Os"],
  },
  extraFiles: [],
};

describe("image hash and manifest", () => {
  it("hashes canonical JSON: key order does not matter, values do", () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { y: 1, x: 0 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[2,{"x":0,"y":1}]},"b":1}',
    );
    const reordered = Object.fromEntries(Object.entries(inputs).reverse()) as ImageInputs;
    expect(JSON.stringify(reordered)).not.toBe(JSON.stringify(inputs));
    expect(computeImageHash(reordered)).toBe(computeImageHash(inputs));
    expect(computeImageHash(inputs)).toMatch(/^[0-9a-f]{16}$/);
    const changed = { ...inputs, agent: { ...inputs.agent, sourceSha256: "de" } };
    expect(computeImageHash(changed)).not.toBe(computeImageHash(inputs));
    const moreModules = {
      ...inputs,
      modules: [...inputs.modules, { path: "/a.ko", sha256: "ee" }],
    };
    expect(computeImageHash(moreModules)).not.toBe(computeImageHash(inputs));
  });

  it("rejects manifests that are not JSON or miss fields", () => {
    expect(parseManifest("{")).toBeUndefined();
    expect(parseManifest('{"name":"base"}')).toBeUndefined();
    const file = { sha256: "a".repeat(64), size: 3 };
    const manifest = {
      format: 1,
      name: "base",
      hash: "0123456789abcdef",
      kernelVersion: "6.1.0-56-amd64",
      createdAt: "2025-01-01T00:00:00.000Z",
      inputs,
      files: { vmlinux: file, initrd: file },
      modules: [],
      pvhEntry: 16779344,
      applets: 268,
      agentSize: 1000,
    };
    expect(parseManifest(JSON.stringify(manifest))?.hash).toBe("0123456789abcdef");
    expect(
      parseManifest(JSON.stringify({ ...manifest, files: { vmlinux: file } })),
    ).toBeUndefined();
  });
});
