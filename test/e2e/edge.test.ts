/**
 * The whole local edge, for real: three regions (an emulator host with QEMU guests and a workerd
 * running the compute Worker each) behind the front door, as `npm start` runs it.
 */

import { EdgevmApiError, EdgevmClient, type JobStreamEvent } from "@edgevm/client";
import { DEV_SECRET } from "@edgevm/emulator/config/resolve";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectContract } from "../support/contract.js";
import { startTestEdge, type TestEdge, THREE_REGIONS } from "../support/edge.js";

const KEY = "e2e-edge-key";
/** Fixed ports (the front door needs the regions' real URLs); chosen away from the defaults. */
const PORTS = {
  frontDoor: 18787,
  regions: [18801, 18802, 18803],
  emulators: [18791, 18792, 18793],
  codeRunner: 18811,
};
const LOCATIONS = {
  paris: "48.86,2.35",
  singapore: "1.35,103.8",
};

let local: TestEdge;

beforeAll(async () => {
  local = await startTestEdge({
    prefix: "edge",
    // one warm VM per host keeps three hosts light on two cores
    emulator: { pools: { base: { min: 1, max: 16, prewarm: 1, spawned: 0 } } },
    regions: (stateDir) => ({
      frontDoor: { port: PORTS.frontDoor },
      apiKeys: [{ key: KEY, tenant: "e2e" }],
      stateDir,
      list: THREE_REGIONS.map((region, i) => ({
        ...region,
        port: PORTS.regions[i],
        emulator: { port: PORTS.emulators[i] },
      })),
      apps: [{ name: "code-runner", port: PORTS.codeRunner }],
    }),
  });
});

afterAll(async () => {
  await local?.stop();
});

const client = (location?: string) =>
  new EdgevmClient({
    url: `http://127.0.0.1:${PORTS.frontDoor}`,
    apiKey: KEY,
    ...(location
      ? {
          fetch: (input: Parameters<typeof fetch>[0], init?: RequestInit) =>
            fetch(input, {
              ...init,
              headers: {
                ...(init?.headers as Record<string, string>),
                "x-edgevm-client-location": location,
              },
            }),
        }
      : {}),
  });

function post(path: string, body: string, headers: Record<string, string> = {}) {
  return fetch(`http://127.0.0.1:${PORTS.frontDoor}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json", ...headers },
    body,
  });
}

describe("the local edge", () => {
  it("runs a job through the front door with plain fetch", async () => {
    const response = await post("/v1/jobs", JSON.stringify({ command: ["echo", "hello edge"] }), {
      "x-edgevm-client-location": LOCATIONS.paris,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-edgevm-region")).toBe("eu-west");
    expect(response.headers.get("x-request-id")).toBeTruthy();
    const result = (await response.json()) as { status: string; stdout: string; region: string };
    expect(result).toMatchObject({
      status: "succeeded",
      stdout: "hello edge\n",
      region: "eu-west",
    });
  });

  it("hosts the configured app in the first region, calling VmService there", async () => {
    expect(local.edge.apps).toEqual([
      { name: "code-runner", url: `http://127.0.0.1:${PORTS.codeRunner}`, region: "eu-west" },
    ]);
    const response = await fetch(`http://127.0.0.1:${PORTS.codeRunner}/run`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ language: "sh", code: "echo app" }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ stdout: "app\n", status: "succeeded" });
  });

  it("sends a client to its nearest region, and honours a pinned one", async () => {
    expect((await client(LOCATIONS.singapore).run({ command: ["true"] })).region).toBe("ap-south");
    expect(
      (await client(LOCATIONS.singapore).run({ command: ["true"] }, { region: "us-east" })).region,
    ).toBe("us-east");
  });

  it("streams output through the front door while the command runs", async () => {
    const seen: { event: JobStreamEvent; at: number }[] = [];
    const t0 = performance.now();
    for await (const event of client().stream({
      command: ["sh", "-c", "echo first; sleep 1.5; echo second"],
    })) {
      seen.push({ event, at: performance.now() - t0 });
    }
    expect(seen.map((s) => s.event.type)).toEqual(["start", "stdout", "stdout", "exit"]);
    const [, first, second] = seen;
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThan(1000);
  });

  it("lists every region with its hosts and pool, whichever region answers", async () => {
    const list = await client(LOCATIONS.paris).regions();
    expect(list.map((r) => r.name).sort()).toEqual(["ap-south", "eu-west", "us-east"]);
    const eu = list.find((r) => r.name === "eu-west");
    expect(eu?.healthy).toBe(true);
    // the autoscaler's warm target: at least the configured minimum (1 here)
    expect(eu?.pool?.target).toBeGreaterThanOrEqual(1);
    expect(eu?.hosts[0]).toMatchObject({ id: "eu-west-1", healthy: true });
    // every region lists its own host and pool, whichever region answers (asked with ?scope=self)
    for (const region of list) {
      expect(region.healthy, region.name).toBe(true);
      expect(region.hosts.map((h) => h.id)).toEqual([`${region.name}-1`]);
      expect(region.pool?.target).toBeGreaterThanOrEqual(1);
    }
    const fromSingapore = await client(LOCATIONS.singapore).regions();
    expect(fromSingapore.map((r) => [r.name, r.hosts.length])).toEqual(
      list.map((r) => [r.name, 1]),
    );
  });

  it("answers every route in the shapes of the contract (validated with its schemas)", async () => {
    await expectContract({
      frontDoor: `http://127.0.0.1:${PORTS.frontDoor}`,
      region: `http://127.0.0.1:${PORTS.regions[0]}`,
      host: `http://127.0.0.1:${PORTS.emulators[0]}`,
      apiKey: KEY,
      hostSecret: DEV_SECRET,
    });
  });

  it("refuses a request without a valid key (401)", async () => {
    const noKey = await fetch(`http://127.0.0.1:${PORTS.frontDoor}/v1/jobs`, {
      method: "POST",
      body: "{}",
    });
    expect(noKey.status).toBe(401);
    expect(((await noKey.json()) as { error: { code: string } }).error.code).toBe("UNAUTHORIZED");
    const badKey = await post("/v1/jobs", '{"command":["true"]}', { authorization: "Bearer nope" });
    expect(badKey.status).toBe(401);
  });

  it("answers bad input with clear JSON errors", async () => {
    const badJson = await post("/v1/jobs", "{nope");
    expect(badJson.status).toBe(400);
    expect(((await badJson.json()) as { error: { code: string } }).error.code).toBe("INVALID_JSON");
    await expect(client().run({ command: [] })).rejects.toMatchObject({
      status: 400,
      code: "INVALID_REQUEST",
    });
    await expect(client().run({ command: ["true"], region: "mars" })).rejects.toBeInstanceOf(
      EdgevmApiError,
    );
  });

  it("keeps an async job's whole result: ~1 MB of stdout and of stderr", async () => {
    const c = client(LOCATIONS.paris);
    const bytes = 1_000_000;
    const { id } = await c.submit({
      command: [
        "sh",
        "-c",
        `head -c ${bytes} /dev/zero | tr '\\0' a; head -c ${bytes} /dev/zero | tr '\\0' b >&2`,
      ],
    });
    const finished = await c.wait(id, { timeoutMs: 60_000 });
    expect(finished).toMatchObject({ id, status: "succeeded", truncated: false });
    expect(finished.stdout).toBe("a".repeat(bytes));
    expect(finished.stderr).toBe("b".repeat(bytes));
  });

  it("fails over to the next-nearest region when one region's workerd is down", async () => {
    await local.edge.supervisor.stop("region:eu-west");
    const response = await post("/v1/jobs", JSON.stringify({ command: ["echo", "failover"] }), {
      "x-edgevm-client-location": LOCATIONS.paris,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-edgevm-region")).not.toBe("eu-west");
    expect(((await response.json()) as { stdout: string }).stdout).toBe("failover\n");
  });

  it("keeps an async job's record across a restart of the runtime", async () => {
    const c = client(LOCATIONS.singapore);
    const { id } = await c.submit({ command: ["sh", "-c", "sleep 0.5; echo done"] });
    const finished = await c.wait(id, { timeoutMs: 60_000 });
    expect(finished).toMatchObject({ status: "succeeded", stdout: "done\n" });

    await local.edge.stop();
    await local.restart();
    const again = await c.get(id);
    expect(again).toMatchObject({ id, status: "succeeded", stdout: "done\n" });
  });
});
