/**
 * Admission spill-over across regions, for real: every emulator host has one job slot and no
 * queue, so a burst from a client near eu-west fills eu-west, then us-east, then ap-south, and
 * only then is refused — with a clear error and Retry-After, never a hang.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestEdge, type TestEdge, THREE_REGIONS } from "../support/edge.js";

const KEY = "e2e-spill-key";
/** Fixed ports (the front door needs the regions' real URLs), away from the other e2e files'. */
const PORTS = {
  frontDoor: 38787,
  regions: [38801, 38802, 38803],
  emulators: [38791, 38792, 38793],
};
const PARIS = "48.86,2.35";

let local: TestEdge;

beforeAll(async () => {
  local = await startTestEdge({
    prefix: "spill",
    // every host: one slot, no queue, one warm VM
    emulator: {
      limits: { slots: 1, maxQueue: 0 },
      pools: { base: { min: 1, max: 1, prewarm: 1 } },
    },
    regions: (stateDir) => ({
      frontDoor: { port: PORTS.frontDoor },
      apiKeys: [{ key: KEY, tenant: "e2e" }],
      stateDir,
      list: THREE_REGIONS.map((region, i) => ({
        ...region,
        port: PORTS.regions[i],
        emulator: { port: PORTS.emulators[i] },
      })),
    }),
  });
});

afterAll(async () => {
  await local?.stop();
});

function post(body: unknown) {
  return fetch(`http://127.0.0.1:${PORTS.frontDoor}/v1/jobs`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${KEY}`,
      "content-type": "application/json",
      "x-edgevm-client-location": PARIS,
    },
    body: JSON.stringify(body),
  });
}

describe("spill-over when a region is full", () => {
  it("places a burst in the nearest region with capacity, then refuses clearly", async () => {
    const job = { command: ["sh", "-c", "sleep 2; echo done"] };
    const responses = await Promise.all([post(job), post(job), post(job), post(job)]);
    const ok = responses.filter((r) => r.status === 200);
    const refused = responses.filter((r) => r.status !== 200);
    expect(ok).toHaveLength(3);
    const results = (await Promise.all(ok.map((r) => r.json()))) as {
      region: string;
      stdout: string;
    }[];
    expect(results.map((r) => r.stdout)).toEqual(["done\n", "done\n", "done\n"]);
    expect(results.map((r) => r.region).sort()).toEqual(["ap-south", "eu-west", "us-east"]);
    expect(refused).toHaveLength(1);
    const [last] = refused;
    expect([429, 503]).toContain(last?.status);
    expect(last?.headers.get("retry-after")).toBeTruthy();
    const body = (await last?.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toMatch(/NO_REGION_AVAILABLE|QUEUE_FULL|NO_CAPACITY/);
    expect(body.error.message.length).toBeGreaterThan(10);
  });

  it("serves again once the burst is over", async () => {
    const response = await post({ command: ["echo", "again"] });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-edgevm-region")).toBe("eu-west");
  });
});
