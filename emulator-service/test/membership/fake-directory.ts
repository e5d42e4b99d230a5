/**
 * A region directory stand-in on a real Node HTTP server: it checks every request's signature and
 * body the way the Worker must, records them, and answers what the test says (an ack by default).
 * It can go down and come back on the same port, and hold its heartbeat answers until the test lets
 * them go.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Capacity } from "@edgevm/contract";
import { verifyRequest } from "@edgevm/contract";
import { sampleCapacity } from "@edgevm/contract/test/fixtures";
import {
  HEARTBEAT_PATH,
  type HeartbeatAck,
  hostHeartbeatSchema,
  hostLeaveSchema,
  LEAVE_PATH,
} from "../../src/membership/index.js";

export const SECRET = "membership-secret-0123456789";

export interface Received {
  path: string;
  /** unix ms when it arrived */
  at: number;
  contentType: string | undefined;
  /** the signature verified with `SECRET` */
  signed: boolean;
  /** the body as `hostHeartbeatSchema` / `hostLeaveSchema` parsed it (undefined if it did not) */
  body: unknown;
  valid: boolean;
}

export interface Answer {
  status: number;
  body: unknown;
}

export type Responder = (request: Received) => Answer;

export function ack(intervalMs: number, hosts = 1): Answer {
  const body: HeartbeatAck = { ok: true, intervalMs, ttlMs: intervalMs * 3, hosts };
  return { status: 200, body };
}

export function errorAnswer(status: number, code: string, message: string): Answer {
  return { status, body: { error: { code, message } } };
}

/** The directory's own checks: a bad signature is 401, a bad body 400, as the Worker answers. */
export function checkedResponder(answer: (request: Received) => Answer): Responder {
  return (request) => {
    if (!request.signed)
      return errorAnswer(401, "UNAUTHORIZED", "request signature does not match");
    if (!request.valid) return errorAnswer(400, "INVALID_REQUEST", "invalid body");
    if (request.path === LEAVE_PATH) return { status: 200, body: { ok: true } };
    return answer(request);
  };
}

export class FakeDirectory {
  readonly received: Received[] = [];
  respond: Responder = checkedResponder(() => ack(60_000));
  #server: Server | undefined;
  #port = 0;
  /** heartbeat answers wait for this while it is set (`holdAnswers`) */
  #held: Promise<void> | undefined;
  #release: (() => void) | undefined;

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  heartbeats(): Received[] {
    return this.received.filter((r) => r.path === HEARTBEAT_PATH);
  }

  leaves(): Received[] {
    return this.received.filter((r) => r.path === LEAVE_PATH);
  }

  /**
   * From now on heartbeats are recorded at once but answered only when `releaseAnswers()` is called
   * (or the directory closes): a heartbeat under way for as long as the test needs, without
   * sleeping. Leaves are still answered at once.
   */
  holdAnswers(): void {
    if (this.#held) return;
    this.#held = new Promise((resolve) => {
      this.#release = resolve;
    });
  }

  /** Sends every held answer, and answers at once again. */
  releaseAnswers(): void {
    this.#release?.();
    this.#held = undefined;
    this.#release = undefined;
  }

  async listen(): Promise<void> {
    const server = createServer((req, res) => {
      void this.#handle(req).then(async (answer) => {
        if (this.#held && req.url === HEARTBEAT_PATH) await this.#held;
        res.writeHead(answer.status, { "content-type": "application/json" });
        res.end(JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.#port, "127.0.0.1", () => resolve());
    });
    this.#port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  /** Stops listening (the port stays this directory's, for `listen()` again). */
  async close(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    this.releaseAnswers();
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  async #handle(req: IncomingMessage): Promise<Answer> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const path = req.url ?? "";
    const verified = await verifyRequest({
      secret: SECRET,
      method: req.method ?? "",
      path,
      body: text,
      headers: {
        get: (name) => {
          const value = req.headers[name.toLowerCase()];
          return typeof value === "string" ? value : null;
        },
      },
    });
    const schema = path === LEAVE_PATH ? hostLeaveSchema : hostHeartbeatSchema;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const parsed = schema.safeParse(json);
    const request: Received = {
      path,
      at: Date.now(),
      contentType: req.headers["content-type"],
      signed: verified.ok,
      body: parsed.success ? parsed.data : undefined,
      valid: parsed.success && (path === HEARTBEAT_PATH || path === LEAVE_PATH),
    };
    this.received.push(request);
    return this.respond(request);
  }
}

export function fakeCapacity(): Capacity {
  return sampleCapacity({ region: "eu-west", host: "eu-west-1" });
}

/** Polls until `check` holds (or fails after `timeoutMs`). */
export async function waitFor(check: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}
