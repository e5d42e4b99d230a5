/**
 * A region with two real emulator hosts (QEMU guests, TCG here): both join the region's directory,
 * jobs spread over them, and when one host is killed (SIGKILL) mid-load the region keeps serving
 * and every job is accounted for — succeeded, or failed with an explicit error (HOST_LOST for the
 * jobs that were running on the dead host; async jobs retried once on the other host).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestEdge, type TestEdge, THREE_REGIONS } from "../support/edge.js";
import { regionHosts as regionHostsOf, until } from "../support/region.js";

const KEY = "e2e-multi-host-key";
/** Fixed ports (hosts join by the region Worker's URL), away from the other e2e files'. */
const PORTS = { frontDoor: 48787, region: 48801, hosts: [48791, 48792] };
const REGION_URL = `http://127.0.0.1:${PORTS.region}`;
/** A request that gets no answer within this long counts as hung (a failure). */
const HANG_MS = 90_000;

let local: TestEdge;

beforeAll(async () => {
  local = await startTestEdge({
    prefix: "multi",
    // two slots per host, a queue deep enough for the whole test's load on one host (so nothing
    // is refused for capacity), one warm VM each
    emulator: {
      limits: { slots: 2, maxQueue: 24, queueTimeoutMs: 60_000 },
      pools: { base: { min: 1, max: 4, prewarm: 1 } },
    },
    regions: (stateDir) => ({
      frontDoor: { port: PORTS.frontDoor },
      apiKeys: [{ key: KEY, tenant: "e2e" }],
      stateDir,
      list: [
        {
          ...THREE_REGIONS[0],
          port: PORTS.region,
          emulators: PORTS.hosts.map((port) => ({ port })),
        },
      ],
    }),
  });
});

afterAll(async () => {
  await local?.stop();
});

const regionHosts = () => regionHostsOf(REGION_URL, KEY);

function post(body: unknown, init: { stream?: boolean; async?: boolean } = {}): Promise<Response> {
  return fetch(`${REGION_URL}/v1/jobs${init.async ? "?wait=false" : ""}`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${KEY}`,
      "content-type": "application/json",
      ...(init.stream ? { accept: "text/event-stream" } : {}),
    },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(HANG_MS),
  });
}

/** An SSE job: resolves `host` at its start event, `end` with its last event. */
async function streamJob(command: string[]) {
  const res = await post({ command }, { stream: true });
  expect(res.status).toBe(200);
  const reader = (res.body as ReadableStream<Uint8Array>)
    .pipeThrough(new TextDecoderStream())
    .getReader();
  let text = "";
  let resolveHost: (host: string) => void = () => {};
  const host = new Promise<string>((resolve) => {
    resolveHost = resolve;
  });
  const end = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
      const start = /event: start\ndata: (.*)\n/.exec(text);
      if (start?.[1]) resolveHost((JSON.parse(start[1]) as { host: string }).host);
    }
    const last = text.trimEnd().split("\n\n").at(-1) ?? "";
    const [, event = "", data = "{}"] = /^event: (\w+)\ndata: (.*)$/s.exec(last) ?? [];
    return { event, data: JSON.parse(data) as { error?: { code: string }; stdout?: string } };
  })();
  return { host, end };
}

type Outcome = { kind: "ok" } | { kind: "error"; code: string; status: number };

/** A wait-mode job's outcome: its result, or an explicit JSON error (anything else fails). */
async function waitJob(n: number): Promise<Outcome> {
  const res = await post({ command: ["echo", `job-${n}`] });
  const body = (await res.json()) as { stdout?: string; error?: { code: string; message: string } };
  if (res.status === 200) {
    expect(body.stdout).toBe(`job-${n}\n`);
    return { kind: "ok" };
  }
  expect(body.error?.code, `status ${res.status} without an error code`).toMatch(/^[A-Z_]+$/);
  expect(body.error?.message.length).toBeGreaterThan(10);
  return { kind: "error", code: body.error?.code ?? "", status: res.status };
}

describe("a region with two hosts", () => {
  it("both hosts join the region's directory", async () => {
    const hosts = await until(async () => {
      const list = await regionHosts();
      return list.length === 2 ? list : undefined;
    }, 30_000);
    expect(hosts.map((h) => h.id).sort()).toEqual(["eu-west-1", "eu-west-2"]);
    for (const h of hosts) expect(h.lastSeenMs).toBeLessThan(3_000);
  });

  it("spreads concurrent jobs over both hosts", async () => {
    const results = await Promise.all(
      [1, 2, 3, 4].map(async () => {
        const res = await post({ command: ["sh", "-c", "sleep 1; echo spread"] });
        expect(res.status).toBe(200);
        return (await res.json()) as { host: string; stdout: string };
      }),
    );
    expect(results.map((r) => r.stdout)).toEqual(Array(4).fill("spread\n"));
    expect(new Set(results.map((r) => r.host))).toEqual(new Set(["eu-west-1", "eu-west-2"]));
  });

  it("keeps serving when a host is killed mid-load, and accounts for every job", async () => {
    // Three long streamed jobs (their start events say where each runs) fill one host's two slots
    // and one slot of the other — the victim; a long async job then takes the victim's last slot,
    // so the kill catches a job of each kind mid-run.
    const long = await Promise.all(
      [1, 2, 3].map(() => streamJob(["sh", "-c", "sleep 5; echo long"])),
    );
    const longHosts = await Promise.all(long.map((j) => j.host));
    const victim =
      ["eu-west-1", "eu-west-2"].find((h) => longHosts.filter((x) => x === h).length === 1) ?? "";
    expect(victim, longHosts.join()).not.toBe("");
    const asyncIds = await Promise.all(
      [1].map(async (i) => {
        const res = await post(
          { command: ["sh", "-c", `sleep 4; echo async-${i}`] },
          { async: true },
        );
        expect(res.status).toBe(202);
        return ((await res.json()) as { id: string }).id;
      }),
    );
    const hostsBusy = await until(async () => {
      const hosts = await regionHosts();
      return hosts.every((h) => h.capacity.busy === 2) ? hosts : undefined;
    }, 15_000);
    const victimStartedAt = hostsBusy.find((h) => h.id === victim)?.startedAt;
    expect(victimStartedAt).toBeTypeOf("number");

    // Then a steady stream of short jobs (queued behind the long ones), and the kill.
    const short: Array<Promise<Outcome>> = [];
    let killedAt = 0;
    for (let n = 0; n < 16; n++) {
      short.push(waitJob(n));
      await new Promise((resolve) => setTimeout(resolve, 150));
      if (n === 3) {
        const pid = local.edge.supervisor.get(`emulator:${victim}`)?.pid;
        expect(pid).toBeGreaterThan(0);
        process.kill(pid ?? -1, "SIGKILL");
        killedAt = Date.now();
      }
    }

    // The dead incarnation leaves the directory within a few seconds (the supervisor restarts the
    // host, which joins again as a new incarnation).
    await until(async () => {
      const hosts = await regionHosts();
      return hosts.some((h) => h.id === victim && h.startedAt === victimStartedAt)
        ? undefined
        : true;
    }, 6_000);
    const leftAfterMs = Date.now() - killedAt;
    expect(leftAfterMs).toBeLessThan(6_000);

    // Streamed jobs: on the dead host an explicit HOST_LOST, elsewhere their output.
    const ends = await Promise.all(long.map((j) => j.end));
    ends.forEach((end, i) => {
      if (longHosts[i] === victim) {
        expect(end.event).toBe("error");
        expect(end.data.error?.code).toBe("HOST_LOST");
      } else {
        expect(end.event).toBe("exit");
        expect(end.data.stdout).toBe("long\n");
      }
    });

    // Short jobs: each succeeded or failed with an explicit error; none hung. Those queued on the
    // dead host had not started there, so they ran on the other host; only a job that had started
    // on it may end HOST_LOST.
    const outcomes = await Promise.all(short);
    const failed = outcomes.filter((o) => o.kind === "error");
    for (const f of failed) expect(f).toMatchObject({ code: "HOST_LOST", status: 502 });

    // Async jobs: all finish; one lost with its host is retried on the other (lostOn says so).
    const finished = await Promise.all(
      asyncIds.map((id) =>
        until(async () => {
          const res = await fetch(`${REGION_URL}/v1/jobs/${id}`, {
            headers: { authorization: `Bearer ${KEY}` },
          });
          const body = (await res.json()) as {
            status?: string;
            stdout?: string;
            lostOn?: string[];
            error?: { code: string };
          };
          return body.status === "queued" || body.status === "running" ? undefined : body;
        }, HANG_MS),
      ),
    );
    finished.forEach((job, i) => {
      expect(job.status, JSON.stringify(job)).toBe("succeeded");
      expect(job.stdout).toBe(`async-${i + 1}\n`);
    });
    // it was running on the dead host: it ran again on the other, under the same id
    expect(finished.map((job) => job.lostOn)).toEqual([[victim]]);
    console.log(
      `multi-host: the dead host left the directory ${leftAfterMs} ms after the kill; ${failed.length} of ${outcomes.length} short jobs failed explicitly (${failed.map((f) => (f.kind === "error" ? f.code : "")).join(", ") || "none"}); ` +
        `${finished.filter((j) => j.lostOn).length} of ${finished.length} async jobs retried after host loss`,
    );

    // And the region serves new work on both hosts again.
    const after = await until(
      async () => ((await regionHosts()).length === 2 ? true : undefined),
      60_000,
    );
    expect(after).toBe(true);
    const res = await post({ command: ["echo", "after"] });
    expect(res.status).toBe(200);
  });
});
