import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { recordName } from "../src/jobs/ids.js";
import { RUN_GRACE_MS } from "../src/jobs/job-record.js";
import { insertJob } from "../src/jobs/store.js";
import { call, errorOf, release, uniqueName, until } from "./helpers.js";
import { KEY_B, TENANT_A } from "./keys.js";

async function getJob(id: string, key?: string): Promise<Response> {
  return call(`/v1/jobs/${id}`, key === undefined ? {} : { key });
}

async function statusOf(id: string): Promise<string> {
  const res = await getJob(id);
  expect(res.status).toBe(200);
  return ((await res.json()) as { status: string }).status;
}

describe("async jobs", () => {
  it("202 {id}, running while the VM runs, then the result", async () => {
    const gate = uniqueName("async");
    const res = await call("/v1/jobs?wait=false", { body: { command: ["gate", gate] } });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    expect(id).toMatch(/^job_[0-9a-f]{32}$/);

    await until(async () => ((await statusOf(id)) === "running" ? true : undefined));
    await release(gate);
    const result = await until(async () => {
      const body = (await (await getJob(id)).json()) as Record<string, unknown>;
      return body.status === "running" || body.status === "queued" ? undefined : body;
    });
    expect(result).toMatchObject({
      id,
      status: "succeeded",
      exitCode: 0,
      stdout: "first\nlast\n",
      host: "fake-host-1",
    });
    expect(result.hostJobId).toMatch(/^job_fake/);
  });

  it("keeps a result far larger than one SQLite value (1 MiB of stdout and of stderr)", async () => {
    const MiB = 1024 * 1024;
    const res = await call("/v1/jobs?wait=false", { body: { command: ["flood", String(MiB)] } });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    const result = await until(async () => {
      const body = (await (await getJob(id)).json()) as Record<string, unknown>;
      return body.status === "running" || body.status === "queued" ? undefined : body;
    });
    // as JSON this is ~7 MB (each \u0001 is 6 characters): stored in chunks, read back whole
    expect(result).toMatchObject({ id, status: "succeeded" });
    expect(new TextEncoder().encode(result.stdout as string).length).toBe(MiB);
    expect(result.stderr).toBe("\u0001".repeat(MiB));
  });

  it("another tenant's GET is 404, as is an unknown or malformed id", async () => {
    const res = await call("/v1/jobs?wait=false", { body: { command: ["echo", "mine"] } });
    const { id } = (await res.json()) as { id: string };
    const other = await getJob(id, KEY_B);
    expect(other.status).toBe(404);
    expect((await errorOf(other)).code).toBe("NOT_FOUND");
    expect((await getJob(`job_${"0".repeat(32)}`)).status).toBe(404);
    expect((await getJob("../../etc")).status).toBe(404);
    // …while the owner sees it
    await until(async () => ((await statusOf(id)) === "succeeded" ? true : undefined));
  });

  it("stores the host's rejection and answers it like the synchronous call would", async () => {
    const res = await call("/v1/jobs?wait=false", { body: { command: ["echo"], image: "nope" } });
    const { id } = (await res.json()) as { id: string };
    const rejected = await until(async () => {
      const r = await getJob(id);
      if (r.status !== 200) return r;
      await r.body?.cancel();
      return undefined;
    });
    expect(rejected.status).toBe(400);
    expect((await errorOf(rejected)).code).toBe("UNKNOWN_IMAGE");
  });

  it("validates before accepting: 400 and no record", async () => {
    const res = await call("/v1/jobs?wait=false", { body: { env: { A: "b" } } });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe("INVALID_REQUEST");
  });

  it("a stale running record (no run in progress) ends crashed with a reason", async () => {
    const id = `job_${"ab".repeat(16)}`;
    const stub = env.JOBS.get(env.JOBS.idFromName(recordName(TENANT_A, id)));
    const timeoutMs = 1_000;
    await runInDurableObject(stub, (_instance, state) => {
      insertJob(state.storage.sql, {
        id,
        tenant: TENANT_A,
        request: JSON.stringify({ command: ["echo"] }),
        requestId: "req-stale",
        timeoutMs,
        state: "running",
        attempts: 1,
        createdAt: Date.now() - timeoutMs - RUN_GRACE_MS - 5_000,
        startedAt: Date.now() - timeoutMs - RUN_GRACE_MS - 1_000,
        finishedAt: null,
        result: null,
        error: null,
        message: null,
        lostOn: [],
      });
    });
    const res = await getJob(id);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ id, status: "crashed", exitCode: null });
    expect(body.message).toMatch(/interrupted/);
    // and it stays crashed
    expect(await statusOf(id)).toBe("crashed");
  });

  it("a recent running record is still running", async () => {
    const id = `job_${"cd".repeat(16)}`;
    const stub = env.JOBS.get(env.JOBS.idFromName(recordName(TENANT_A, id)));
    await runInDurableObject(stub, (_instance, state) => {
      insertJob(state.storage.sql, {
        id,
        tenant: TENANT_A,
        request: JSON.stringify({ command: ["echo"] }),
        requestId: "req-recent",
        timeoutMs: 30_000,
        state: "running",
        attempts: 1,
        createdAt: Date.now(),
        startedAt: Date.now(),
        finishedAt: null,
        result: null,
        error: null,
        message: null,
        lostOn: [],
      });
    });
    expect(await statusOf(id)).toBe("running");
  });
});
