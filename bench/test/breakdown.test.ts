import { describe, expect, it } from "vitest";
import { memoryByKind } from "../src/breakdown.js";

const SMAPS = `555d00000000-555d00400000 rw-p 00000000 00:00 0                          [heap]
Anonymous:          4096 kB
7f0000000000-7f0040000000 rwxp 00000000 00:00 0
Anonymous:         10240 kB
7f1000000000-7f1008000000 rw-p 00000000 fe:00 123                        /dev/shm/edgevm/templates/tcg/base-128m-1c-abc/ram
Anonymous:          1024 kB
7f2000000000-7f2000200000 rw-p 00000000 00:00 0
Anonymous:          2048 kB
7f3000000000-7f3000100000 r--p 004a6000 fe:00 5595158                    /usr/lib/x86_64-linux-gnu/libcapstone.so.4
Anonymous:          1024 kB
`;

describe("memoryByKind", () => {
  it("splits anonymous memory into TCG cache, heap, guest copy-on-write and the rest", () => {
    expect(memoryByKind(SMAPS)).toEqual({ tcgCache: 10, heap: 4, guestCow: 1, other: 3 });
  });

  it("is all zero for an empty smaps", () => {
    expect(memoryByKind("")).toEqual({ tcgCache: 0, heap: 0, guestCow: 0, other: 0 });
  });
});
