import { afterEach, describe, expect, it } from "vitest";
import { EdgevmClient, type JobRequest } from "../src/index.js";
import {
  type FakeServer,
  type Handler,
  sampleResult,
  sendJson,
  startServer,
} from "./fake-server.js";

const KEY = "evm_test_key";
let server: FakeServer | undefined;
const servers: FakeServer[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  server = undefined;
});

async function serve(handler: Handler): Promise<{ client: EdgevmClient; srv: FakeServer }> {
  server = await startServer(handler);
  servers.push(server);
  let n = 0;
  const client = new EdgevmClient({
    url: `${server.url}/`,
    apiKey: KEY,
    requestId: () => `req-${++n}`,
  });
  return { client, srv: server };
}

describe("EdgevmClient.run", () => {
  it("posts the job with the API key and returns the parsed result", async () => {
    const { client, srv } = await serve((_req, res) => sendJson(res, 200, sampleResult));
    const job: JobRequest = {
      command: ["sh", "-c", "echo hello"],
      image: "base",
      stdin: "in",
      env: { A: "1" },
      files: { "/tmp/x": "y" },
      cwd: "/tmp",
      timeoutMs: 5000,
      memoryMiB: 128,
      vcpus: 1,
      outputEncoding: "utf8",
    };
    const result = await client.run(job);
    expect(result).toEqual(sampleResult);
    expect(result.vm.start).toBe("warm");
    expect(srv.requests).toHaveLength(1);
    const [seen] = srv.requests;
    expect(seen?.method).toBe("POST");
    expect(seen?.url).toBe("/v1/jobs");
    expect(seen?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(seen?.headers["content-type"]).toBe("application/json");
    expect(seen?.headers.accept).toBe("application/json");
    expect(seen?.headers["x-request-id"]).toBe("req-1");
    expect(JSON.parse(seen?.body ?? "")).toEqual(job);
  });

  it("sends the region pin as the body's region field; the call option wins", async () => {
    const { client, srv } = await serve((_req, res) => sendJson(res, 200, sampleResult));
    await client.run({ command: ["true"] }, { region: "eu-1" });
    await client.run({ command: ["true"], region: "us-1" });
    await client.run({ command: ["true"], region: "us-1" }, { region: "eu-1" });
    const bodies = srv.requests.map((r) => JSON.parse(r.body) as JobRequest);
    expect(bodies.map((b) => b.region)).toEqual(["eu-1", "us-1", "eu-1"]);
    expect(srv.requests.every((r) => r.url === "/v1/jobs")).toBe(true);
  });

  it("uses a per-call request id and a custom fetch", async () => {
    server = await startServer((_req, res) => sendJson(res, 200, sampleResult));
    servers.push(server);
    const urls: string[] = [];
    const client = new EdgevmClient({
      url: server.url,
      apiKey: KEY,
      fetch: (input, init) => {
        urls.push(String(input));
        return fetch(input, init);
      },
    });
    await client.run({ command: ["true"] }, { requestId: "mine" });
    await client.run({ command: ["true"] });
    expect(urls).toEqual([`${server.url}/v1/jobs`, `${server.url}/v1/jobs`]);
    expect(server.requests[0]?.headers["x-request-id"]).toBe("mine");
    // default ids are random UUIDs
    expect(server.requests[1]?.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("submit / get / wait", () => {
  it("submits with wait=false and polls until the job is final", async () => {
    let polls = 0;
    const { client, srv } = await serve((req, res) => {
      if (req.method === "POST") return sendJson(res, 202, { id: "job_async" });
      polls++;
      if (polls === 1)
        return sendJson(res, 200, {
          id: "job_async",
          status: "queued",
          region: "a",
          createdAt: "t",
        });
      if (polls === 2)
        return sendJson(res, 200, {
          id: "job_async",
          status: "running",
          region: "a",
          createdAt: "t",
        });
      return sendJson(res, 200, { ...sampleResult, id: "job_async", hostJobId: "job_1" });
    });
    const { id } = await client.submit({ command: ["sleep", "1"] }, { region: "a" });
    expect(id).toBe("job_async");
    expect(srv.requests[0]?.url).toBe("/v1/jobs?wait=false");
    expect(JSON.parse(srv.requests[0]?.body ?? "")).toEqual({
      command: ["sleep", "1"],
      region: "a",
    });

    const first = await client.get(id);
    expect(first.status).toBe("queued");
    const done = await client.wait(id, { pollMs: 10, region: "a" });
    expect(done.status).toBe("succeeded");
    expect(done.stdout).toBe("hello\n");
    expect(polls).toBe(3);
    expect(srv.requests.slice(1).map((r) => r.url)).toEqual([
      "/v1/jobs/job_async",
      "/v1/jobs/job_async?region=a",
      "/v1/jobs/job_async?region=a",
    ]);
    expect(srv.requests.every((r) => r.headers.authorization === `Bearer ${KEY}`)).toBe(true);
  });

  it("wait gives up after timeoutMs with EdgevmTimeoutError", async () => {
    const { client, srv } = await serve((_req, res) =>
      sendJson(res, 200, { id: "j", status: "running", region: "a", createdAt: "t" }),
    );
    const started = Date.now();
    const err = await client.wait("j", { pollMs: 20, timeoutMs: 150 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "EdgevmTimeoutError", jobId: "j" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(srv.requests.length).toBeGreaterThanOrEqual(3);
  });
});

describe("listings", () => {
  it("regions, images and health", async () => {
    const regions = [
      {
        name: "a",
        url: "http://127.0.0.1:8801",
        healthy: true,
        hosts: [
          {
            id: "h1",
            url: "http://127.0.0.1:8790",
            healthy: true,
            capacity: { total: 2, busy: 0, free: 2, queue: { length: 0, max: 8 }, accel: "tcg" },
          },
        ],
        pool: { warm: 2, busy: 0, target: 2 },
      },
      { name: "b", url: "http://127.0.0.1:8802", healthy: false, hosts: [], pool: null },
    ];
    const { client, srv } = await serve((req, res) => {
      if (req.url?.startsWith("/v1/regions")) return sendJson(res, 200, regions);
      if (req.url?.startsWith("/v1/images"))
        return sendJson(res, 200, [{ name: "base", description: "busybox" }]);
      return sendJson(res, 200, { ok: true, region: "a" });
    });
    const listed = await client.regions();
    expect(listed).toEqual(regions);
    expect(listed[0]?.hosts[0]?.capacity.free).toBe(2);
    expect(await client.images({ region: "b" })).toEqual([
      { name: "base", description: "busybox" },
    ]);
    expect(await client.health()).toEqual({ ok: true, region: "a" });
    await client.regions({ region: "b", scope: "self" });
    expect(srv.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      "GET /v1/regions",
      "GET /v1/images?region=b",
      "GET /healthz",
      "GET /v1/regions?region=b&scope=self",
    ]);
    expect(srv.requests[0]?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(srv.requests[2]?.headers.authorization).toBeUndefined();
  });
});
