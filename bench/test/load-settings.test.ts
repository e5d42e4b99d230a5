import { describe, expect, it } from "vitest";
import { loadServiceSettings } from "../src/load.js";

describe("loadServiceSettings", () => {
  it("autoscales between 2 and 16 warm VMs on 8 slots, with the host's fill default", () => {
    expect(loadServiceSettings()).toEqual({
      pools: { min: 2, max: 16, spawned: 2 },
      limits: { slots: 8 },
      scaling: {},
    });
  });

  it("takes --fill-concurrency as scaling.fillConcurrency", () => {
    expect(loadServiceSettings(2).scaling).toEqual({ fillConcurrency: 2 });
  });
});
