import { describe, expect, it } from "vitest";
import { poolTargets } from "../../src/pool/policy.js";

describe("poolTargets", () => {
  it("returns the configured targets when memory is plentiful", () => {
    expect(
      poolTargets({
        configured: { warm: 2, spawned: 3 },
        vmMemoryMiB: 128,
        freeMemoryMiB: 8192,
        held: 0,
      }),
    ).toEqual({ warm: 2, spawned: 3 });
  });

  it("returns exactly the configured targets when the budget just fits", () => {
    expect(
      poolTargets({
        configured: { warm: 2, spawned: 2 },
        vmMemoryMiB: 128,
        freeMemoryMiB: 512,
        held: 0,
      }),
    ).toEqual({ warm: 2, spawned: 2 });
  });

  it("cuts spawned first when the budget is short", () => {
    // 3 VMs fit: both warm, one spawned
    expect(
      poolTargets({
        configured: { warm: 2, spawned: 2 },
        vmMemoryMiB: 128,
        freeMemoryMiB: 400,
        held: 0,
      }),
    ).toEqual({ warm: 2, spawned: 1 });
  });

  it("cuts warm too when not even the warm target fits", () => {
    expect(
      poolTargets({
        configured: { warm: 4, spawned: 2 },
        vmMemoryMiB: 256,
        freeMemoryMiB: 600,
        held: 0,
      }),
    ).toEqual({ warm: 2, spawned: 0 });
  });

  it("is zero (never negative) when nothing fits", () => {
    expect(
      poolTargets({
        configured: { warm: 2, spawned: 2 },
        vmMemoryMiB: 128,
        freeMemoryMiB: 100,
        held: 0,
      }),
    ).toEqual({ warm: 0, spawned: 0 });
  });

  it("is never negative when the free memory is negative (over budget)", () => {
    const targets = poolTargets({
      configured: { warm: 2, spawned: 2 },
      vmMemoryMiB: 128,
      freeMemoryMiB: -1000,
      held: 1,
    });
    expect(targets).toEqual({ warm: 0, spawned: 0 });
  });

  it("counts VMs the pool already holds back in (their memory is not free but is theirs)", () => {
    // no free memory, but 3 VMs held: the pool keeps 3
    expect(
      poolTargets({
        configured: { warm: 2, spawned: 2 },
        vmMemoryMiB: 128,
        freeMemoryMiB: 0,
        held: 3,
      }),
    ).toEqual({ warm: 2, spawned: 1 });
    // one more VM of room on top of 2 held
    expect(
      poolTargets({
        configured: { warm: 2, spawned: 2 },
        vmMemoryMiB: 128,
        freeMemoryMiB: 200,
        held: 2,
      }),
    ).toEqual({ warm: 2, spawned: 1 });
  });

  it("never exceeds the configured targets even with a lot held", () => {
    expect(
      poolTargets({
        configured: { warm: 1, spawned: 1 },
        vmMemoryMiB: 128,
        freeMemoryMiB: 0,
        held: 10,
      }),
    ).toEqual({ warm: 1, spawned: 1 });
  });

  it("zero configured targets stay zero", () => {
    expect(
      poolTargets({
        configured: { warm: 0, spawned: 0 },
        vmMemoryMiB: 128,
        freeMemoryMiB: 8192,
        held: 0,
      }),
    ).toEqual({ warm: 0, spawned: 0 });
  });
});
