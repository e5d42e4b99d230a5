/** AgentChannel against a scripted fake agent (no processes): replies, chunking and failure paths. */
import { Duplex, PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import {
  AgentChannel,
  AgentChannelClosedError,
  AgentRemoteError,
  AgentTimeoutError,
  decodeExec,
  decodeFile,
  decodeSignal,
  encodeExit,
  encodeFrame,
  encodeStarted,
  type Frame,
  FrameDecoder,
  FrameType,
  HOST_TO_GUEST_TYPES,
  MAX_FRAME_PAYLOAD,
  ProtocolError,
} from "../../src/protocol/index.js";

class FakeAgent {
  readonly toHost = new PassThrough();
  readonly fromHost = new PassThrough();
  readonly channel: AgentChannel;
  readonly received: Frame[] = [];

  constructor() {
    const decoder = new FrameDecoder(HOST_TO_GUEST_TYPES);
    this.fromHost.on("data", (chunk: Buffer) => this.received.push(...decoder.push(chunk)));
    this.channel = new AgentChannel(
      Duplex.from({ readable: this.toHost, writable: this.fromHost }),
    );
  }

  reply(type: FrameType, id: number, payload: Uint8Array = new Uint8Array(0)): void {
    this.toHost.write(encodeFrame(type, id, payload));
  }

  /** Waits until the host sent `count` frames in total and returns them. */
  async frames(count: number): Promise<Frame[]> {
    for (let i = 0; i < 200 && this.received.length < count; i++) await tick();
    expect(this.received.length).toBe(count);
    return this.received;
  }
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe("AgentChannel", () => {
  it("buffers READY that arrived before waitReady", async () => {
    const fake = new FakeAgent();
    fake.reply(FrameType.READY, 0, Buffer.from("edgevm-agent/1"));
    await tick();
    expect(fake.channel.version).toBe("edgevm-agent/1");
    await expect(fake.channel.waitReady(1)).resolves.toBe("edgevm-agent/1");
  });

  it("times out waitReady without closing the channel", async () => {
    const fake = new FakeAgent();
    const error = await fake.channel.waitReady(20).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(AgentTimeoutError);
    expect((error as AgentTimeoutError).timeoutMs).toBe(20);
    expect(fake.channel.closeError).toBeNull();
    const ready = fake.channel.waitReady(1_000);
    fake.reply(FrameType.READY, 0, Buffer.from("v2"));
    await expect(ready).resolves.toBe("v2");
  });

  it("matches PONGs and INIT_OK to their requests", async () => {
    const fake = new FakeAgent();
    const first = fake.channel.ping();
    const second = fake.channel.ping();
    const init = fake.channel.init(5n, Buffer.alloc(32, 1));
    const frames = await fake.frames(3);
    expect(frames.map((f) => f.type)).toEqual([FrameType.PING, FrameType.PING, FrameType.INIT]);
    fake.reply(FrameType.PONG, 0, frames[1]?.payload ?? Buffer.alloc(0));
    fake.reply(FrameType.PONG, 0, frames[0]?.payload ?? Buffer.alloc(0));
    fake.reply(FrameType.INIT_OK, 0);
    expect(await second).toBeGreaterThanOrEqual(0);
    expect(await first).toBeGreaterThanOrEqual(0);
    await expect(init).resolves.toBeUndefined();
  });

  it("rejects INIT with the agent's ERROR", async () => {
    const fake = new FakeAgent();
    const init = fake.channel.init(5n, Buffer.alloc(32));
    await fake.frames(1);
    fake.reply(FrameType.ERROR, 0, Buffer.from("clock_settime: Operation not permitted"));
    await expect(init).rejects.toThrow(AgentRemoteError);
    await expect(init).rejects.toThrow("clock_settime: Operation not permitted");
    await expect(fake.channel.init(5n, Buffer.alloc(3))).rejects.toThrow(RangeError);
  });

  it("numbers exec sessions from 1 and encodes argv, env and cwd", async () => {
    const fake = new FakeAgent();
    const a = fake.channel.exec({ argv: ["ls"], env: { A: "1" }, cwd: "/tmp" });
    const b = fake.channel.exec({ argv: ["pwd"], env: ["B=2"] });
    const c = fake.channel.exec({ argv: ["true"] });
    expect([a.id, b.id, c.id]).toEqual([1, 2, 3]);
    const frames = await fake.frames(3);
    expect(frames.map((f) => [f.type, f.id])).toEqual([
      [FrameType.EXEC, 1],
      [FrameType.EXEC, 2],
      [FrameType.EXEC, 3],
    ]);
    expect(frames.map((f) => decodeExec(f.payload))).toEqual([
      { argv: ["ls"], env: ["A=1"], cwd: "/tmp" },
      { argv: ["pwd"], env: ["B=2"], cwd: "" },
      { argv: ["true"], env: [], cwd: "" },
    ]);
  });

  it("holds output until the first listener and resolves exit after it", async () => {
    const fake = new FakeAgent();
    const session = fake.channel.exec({ argv: ["x"] });
    fake.reply(FrameType.STARTED, 1, encodeStarted(4242));
    fake.reply(FrameType.STDOUT, 1, Buffer.from("early "));
    fake.reply(FrameType.STDERR, 1, Buffer.from("warn"));
    expect(await session.started).toBe(4242);
    await tick();
    const out: string[] = [];
    const err: string[] = [];
    session.onStdout((chunk) => out.push(chunk.toString()));
    session.onStderr((chunk) => err.push(chunk.toString()));
    fake.reply(FrameType.STDOUT, 1, Buffer.from("late"));
    fake.reply(FrameType.EXIT, 1, encodeExit({ exitCode: null, signal: 9 }));
    expect(await session.exit).toEqual({ exitCode: null, signal: 9 });
    expect(session.ended).toBe(true);
    expect(out).toEqual(["early ", "late"]);
    expect(err).toEqual(["warn"]);
  });

  it("sends stdin in frames of at most 1 MiB, then an empty close frame, and signals", async () => {
    const fake = new FakeAgent();
    const session = fake.channel.exec({ argv: ["cat"] });
    session.writeStdin(Buffer.alloc(MAX_FRAME_PAYLOAD + 10, 1));
    session.writeStdin(new Uint8Array(0)); // must not close stdin
    session.closeStdin();
    session.closeStdin();
    session.signal("SIGTERM");
    session.signal(9);
    expect(() => session.writeStdin(Buffer.from("late"))).toThrow(/closed/);
    expect(() => session.signal(0)).toThrow(RangeError);
    const frames = await fake.frames(6);
    expect(frames.slice(1).map((f) => [f.type, f.id, f.payload.length])).toEqual([
      [FrameType.STDIN, 1, MAX_FRAME_PAYLOAD],
      [FrameType.STDIN, 1, 10],
      [FrameType.STDIN, 1, 0],
      [FrameType.SIGNAL, 1, 4],
      [FrameType.SIGNAL, 1, 4],
    ]);
    expect(frames.slice(4).map((f) => decodeSignal(f.payload))).toEqual([15, 9]);
  });

  it("rejects a session that the agent refused with ERROR", async () => {
    const fake = new FakeAgent();
    const session = fake.channel.exec({ argv: ["x"] });
    fake.reply(FrameType.ERROR, 1, Buffer.from("fork: Resource temporarily unavailable"));
    await expect(session.started).rejects.toBeInstanceOf(AgentRemoteError);
    await expect(session.exit).rejects.toThrow("fork: Resource temporarily unavailable");
  });

  it("splits large files into a truncate frame and append frames", async () => {
    const fake = new FakeAgent();
    const data = Buffer.alloc(2 * MAX_FRAME_PAYLOAD + 500);
    for (let i = 0; i < data.length; i++) data[i] = i % 251;
    let settled = false;
    const write = fake.channel.writeFile("/work/big.bin", data, { mode: 0o600 }).then(() => {
      settled = true;
    });
    const frames = await fake.frames(3);
    const files = frames.map((f) => decodeFile(f.payload));
    expect(files.map((f) => [f.path, f.mode, f.append])).toEqual([
      ["/work/big.bin", 0o600, false],
      ["/work/big.bin", 0o600, true],
      ["/work/big.bin", 0o600, true],
    ]);
    expect(frames.every((f) => f.payload.length <= MAX_FRAME_PAYLOAD)).toBe(true);
    expect(Buffer.concat(files.map((f) => f.data)).equals(data)).toBe(true);
    const ids = frames.map((f) => f.id);
    expect(new Set(ids).size).toBe(3);
    expect(ids.every((id) => id >= 0x8000_0000)).toBe(true);
    fake.reply(FrameType.FILE_OK, ids[0] ?? 0);
    fake.reply(FrameType.FILE_OK, ids[1] ?? 0);
    await tick();
    expect(settled).toBe(false);
    fake.reply(FrameType.FILE_OK, ids[2] ?? 0);
    await write;
    expect(settled).toBe(true);
  });

  it("writes an empty file as one truncate frame and reports FILE errors", async () => {
    const fake = new FakeAgent();
    const write = fake.channel.writeFile("/empty", new Uint8Array(0));
    const [frame] = await fake.frames(1);
    expect(decodeFile(frame?.payload ?? Buffer.alloc(0))).toEqual({
      path: "/empty",
      mode: 0o644,
      append: false,
      data: Buffer.alloc(0),
    });
    fake.reply(FrameType.ERROR, frame?.id ?? 0, Buffer.from("/empty: Read-only file system"));
    await expect(write).rejects.toThrow("/empty: Read-only file system");
    await expect(fake.channel.writeFile("relative", new Uint8Array(0))).rejects.toThrow(RangeError);
  });
});

describe("AgentChannel failure", () => {
  /** Starts one of every kind of request and returns their promises. */
  function pendingEverything(fake: FakeAgent) {
    const session = fake.channel.exec({ argv: ["sleep", "1"] });
    return {
      ready: fake.channel.waitReady(5_000),
      ping: fake.channel.ping(),
      init: fake.channel.init(1n, Buffer.alloc(32)),
      file: fake.channel.writeFile("/f", Buffer.from("x")),
      started: session.started,
      exit: session.exit,
    };
  }

  async function expectAllClosed(pending: Record<string, Promise<unknown>>) {
    const results = await Promise.allSettled(Object.values(pending));
    for (const result of results) {
      expect(result.status).toBe("rejected");
      if (result.status === "rejected")
        expect(result.reason).toBeInstanceOf(AgentChannelClosedError);
    }
  }

  it("rejects everything on a corrupt frame", async () => {
    const fake = new FakeAgent();
    const pending = pendingEverything(fake);
    fake.toHost.write(Buffer.from([0x84, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f]));
    await expectAllClosed(pending);
    const reason = await fake.channel.closed;
    expect(reason.cause).toBeInstanceOf(ProtocolError);
    expect(fake.channel.closeError).toBe(reason);
    // later calls fail at once instead of hanging
    await expect(fake.channel.ping()).rejects.toBe(reason);
    await expect(fake.channel.exec({ argv: ["x"] }).exit).rejects.toBe(reason);
  });

  it("rejects everything on a malformed payload", async () => {
    const fake = new FakeAgent();
    const pending = pendingEverything(fake);
    fake.reply(FrameType.EXIT, 1, Buffer.from([1, 2, 3]));
    await expectAllClosed(pending);
    expect((await fake.channel.closed).message).toContain("malformed EXIT payload");
  });

  it("rejects everything when the agent's stream ends", async () => {
    const fake = new FakeAgent();
    const pending = pendingEverything(fake);
    fake.toHost.end();
    await expectAllClosed(pending);
  });

  it("rejects everything on a stream error", async () => {
    const fake = new FakeAgent();
    const pending = pendingEverything(fake);
    fake.toHost.destroy(new Error("ECONNRESET"));
    await expectAllClosed(pending);
  });

  it("rejects everything on close() and ignores later output", async () => {
    const fake = new FakeAgent();
    const pending = pendingEverything(fake);
    fake.channel.close();
    await expectAllClosed(pending);
    expect((await fake.channel.closed).message).toContain("closed by the host");
  });
});
