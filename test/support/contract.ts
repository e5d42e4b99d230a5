/**
 * Proves the contract against reality: real responses of a running edge (front door, a region
 * Worker, an emulator host) parsed with `@edgevm/contract`'s schemas. Each schema strips keys it
 * does not know, so `parse(body)` equal to `body` also proves that nothing undeclared travels.
 */

import {
  acceptedJobSchema,
  asyncJobSchema,
  capacitySchema,
  EmulatorClient,
  errorBodySchema,
  finishedJobSchema,
  healthSchema,
  imageListSchema,
  jobResultSchema,
  parseStreamEvents,
  regionListSchema,
  streamEventSchema,
} from "@edgevm/contract";
import { expect } from "vitest";
import type { z } from "zod";

export interface ContractTarget {
  frontDoor: string;
  /** one region Worker (its own URL) */
  region: string;
  /** one emulator host of that region, and the secret its Workers sign with */
  host: string;
  hostSecret: string;
  apiKey: string;
}

/** `schema.parse(body)` succeeds and keeps every key of `body`. */
function expectShape<T extends z.ZodType>(schema: T, body: unknown, what: string): z.output<T> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new Error(`${what} does not match the contract: ${parsed.error.message}`);
  }
  expect(parsed.data, `${what}: keys the contract does not declare`).toEqual(body);
  return parsed.data;
}

export async function expectContract(target: ContractTarget): Promise<void> {
  const auth = { authorization: `Bearer ${target.apiKey}` };
  const call = async (base: string, path: string, init: RequestInit = {}) => {
    const response = await fetch(new URL(path, base), {
      ...init,
      headers: { ...auth, "content-type": "application/json", ...init.headers },
    });
    return { status: response.status, text: await response.text() };
  };
  const json = (text: string): unknown => JSON.parse(text);
  const job = JSON.stringify({ command: ["sh", "-c", "echo out; echo err >&2; exit 3"] });

  for (const base of [target.frontDoor, target.region]) {
    // a job, waited for: a failed job is still a 200 with its result
    const ran = await call(base, "/v1/jobs", { method: "POST", body: job });
    expect(ran.status).toBe(200);
    const result = expectShape(jobResultSchema, json(ran.text), `${base} POST /v1/jobs`);
    expect(result).toMatchObject({ status: "failed", exitCode: 3, stdout: "out\n" });

    // the same job streamed: every event is a contract event, in order
    const streamed = await call(base, "/v1/jobs", {
      method: "POST",
      body: job,
      headers: { accept: "text/event-stream" },
    });
    const events = parseStreamEvents(streamed.text);
    expect(events.map((e) => e.event)).toEqual(expect.arrayContaining(["start", "exit"]));
    expect(events[0]?.event).toBe("start");
    expect(events.at(-1)?.event).toBe("exit");
    for (const event of events) expectShape(streamEventSchema, event, `${base} SSE ${event.event}`);

    // async: accepted, then pending or finished, then finished
    const accepted = await call(base, "/v1/jobs?wait=false", { method: "POST", body: job });
    expect(accepted.status).toBe(202);
    const { id } = expectShape(acceptedJobSchema, json(accepted.text), `${base} 202`);
    for (let i = 0; ; i++) {
      const read = await call(base, `/v1/jobs/${id}`);
      expect(read.status).toBe(200);
      const record = expectShape(asyncJobSchema, json(read.text), `${base} GET /v1/jobs/:id`);
      if (record.status !== "queued" && record.status !== "running") {
        expectShape(finishedJobSchema, record, `${base} finished async job`);
        break;
      }
      expect(i, "the async job finishes within 30 s").toBeLessThan(300);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    const regions = await call(base, "/v1/regions");
    const list = expectShape(regionListSchema, json(regions.text), `${base} GET /v1/regions`);
    expect(list.some((r) => r.hosts.length > 0)).toBe(true);
    const images = await call(base, "/v1/images");
    expectShape(imageListSchema, json(images.text), `${base} GET /v1/images`);
    const health = await call(base, "/healthz");
    expectShape(healthSchema, json(health.text), `${base} GET /healthz`);

    // errors: bad JSON, bad field, no key, unknown job
    const bad = await call(base, "/v1/jobs", { method: "POST", body: "{nope" });
    expect(bad.status).toBe(400);
    expectShape(errorBodySchema, json(bad.text), `${base} 400`);
    const invalid = await call(base, "/v1/jobs", { method: "POST", body: '{"command":[]}' });
    expect(invalid.status).toBe(400);
    expectShape(errorBodySchema, json(invalid.text), `${base} 400 INVALID_REQUEST`);
    const unknown = await call(base, "/v1/jobs/job_00000000000000000000000000000000");
    expect(unknown.status).toBe(404);
    expectShape(errorBodySchema, json(unknown.text), `${base} 404`);
    const noKey = await fetch(new URL("/v1/regions", base));
    expect(noKey.status).toBe(401);
    expectShape(errorBodySchema, await noKey.json(), `${base} 401`);
  }

  // the host API, signed as a region Worker signs it
  const host = new EmulatorClient(target.host, target.hostSecret);
  expectShape(capacitySchema, await host.capacity(), "host GET /v1/capacity");
  expectShape(jobResultSchema, await host.run({ command: ["true"] }), "host POST /v1/jobs");
  for await (const event of host.stream({ command: ["echo", "x"] })) {
    expectShape(streamEventSchema, event, `host SSE ${event.event}`);
  }
}
