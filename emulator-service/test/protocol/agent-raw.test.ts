/** The real guest agent driven with raw frames: protocol edge cases AgentChannel never produces. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  decodeExit,
  decodeStarted,
  decodeText,
  encodeExec,
  encodeFrame,
  encodeSignal,
  type Frame,
  FrameDecoder,
  FrameType,
  GUEST_TO_HOST_TYPES,
  MAX_FRAME_PAYLOAD,
} from "../../src/protocol/index.js";
import {
  type AgentBuild,
  compileAgent,
  HAVE_GCC,
  killGroup,
  spawnRawAgent,
  waitGone,
} from "./agent-harness.js";

/** Frames from the agent's stdout, awaited one at a time. */
class RawClient {
  readonly agent: ReturnType<typeof spawnRawAgent>;
  private readonly frames: Frame[] = [];
  private wake: (() => void) | null = null;

  constructor(binary: string) {
    this.agent = spawnRawAgent(binary);
    const decoder = new FrameDecoder(GUEST_TO_HOST_TYPES);
    this.agent.child.stdout.on("data", (chunk: Buffer) => {
      this.frames.push(...decoder.push(chunk));
      this.wake?.();
    });
  }

  send(type: FrameType, id: number, payload: Uint8Array = new Uint8Array(0)): void {
    this.agent.child.stdin.write(encodeFrame(type, id, payload));
  }

  writeRaw(bytes: Uint8Array): void {
    this.agent.child.stdin.write(bytes);
  }

  async next(): Promise<Frame> {
    const deadline = Date.now() + 5_000;
    while (this.frames.length === 0) {
      if (Date.now() > deadline) throw new Error("no frame from the agent within 5 s");
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 50);
      });
    }
    const frame = this.frames.shift();
    if (!frame) throw new Error("unreachable");
    return frame;
  }
}

const exec = (argv: string[]) => encodeExec({ argv, env: [], cwd: "/" });

describe.skipIf(!HAVE_GCC)("guest agent raw frames", () => {
  let build: AgentBuild;
  let client: RawClient;
  const leftovers: number[] = [];

  beforeAll(() => {
    build = compileAgent();
  });
  afterAll(() => build?.dispose());
  afterEach(() => {
    client?.agent.child.kill("SIGKILL");
    for (const pid of leftovers.splice(0)) killGroup(pid);
  });

  const start = async () => {
    client = new RawClient(build.binary);
    const ready = await client.next();
    expect([ready.type, ready.id, decodeText(ready.payload)]).toEqual([
      FrameType.READY,
      0,
      "edgevm-agent/1",
    ]);
  };

  it("rejects a duplicate live exec id and accepts the id again after EXIT", async () => {
    await start();
    client.send(FrameType.EXEC, 7, exec(["sleep", "30"]));
    const started = await client.next();
    expect([started.type, started.id]).toEqual([FrameType.STARTED, 7]);
    leftovers.push(decodeStarted(started.payload));
    client.send(FrameType.EXEC, 7, exec(["true"]));
    const error = await client.next();
    expect([error.type, error.id, decodeText(error.payload)]).toEqual([
      FrameType.ERROR,
      7,
      "exec id 7 is already in use",
    ]);
    client.send(FrameType.SIGNAL, 7, encodeSignal(9));
    const exit = await client.next();
    expect([exit.type, exit.id, decodeExit(exit.payload)]).toEqual([
      FrameType.EXIT,
      7,
      { exitCode: null, signal: 9 },
    ]);
    client.send(FrameType.EXEC, 7, exec(["true"]));
    expect((await client.next()).type).toBe(FrameType.STARTED);
    expect(decodeExit((await client.next()).payload)).toEqual({ exitCode: 0, signal: null });
  });

  it("answers a malformed EXEC or FILE with ERROR and keeps serving", async () => {
    await start();
    client.send(FrameType.EXEC, 3, Buffer.from([1, 0, 0, 0, 200, 0, 0, 0, 65]));
    const error = await client.next();
    expect([error.type, error.id, decodeText(error.payload)]).toEqual([
      FrameType.ERROR,
      3,
      "malformed EXEC payload",
    ]);
    client.send(FrameType.FILE, 4, Buffer.from([0, 0, 0, 0]));
    expect(decodeText((await client.next()).payload)).toBe("malformed FILE payload");
    client.send(FrameType.STDIN, 99, Buffer.from("nobody listens"));
    client.send(FrameType.SIGNAL, 99, encodeSignal(9));
    client.send(FrameType.PING, 0, Buffer.from("still here"));
    const pong = await client.next();
    expect([pong.type, decodeText(pong.payload)]).toEqual([FrameType.PONG, "still here"]);
  });

  it("handles frames split into single bytes", async () => {
    await start();
    const bytes = encodeFrame(FrameType.PING, 0, Buffer.from("split"));
    for (const byte of bytes) client.writeRaw(Uint8Array.of(byte));
    expect(decodeText((await client.next()).payload)).toBe("split");
  });

  it("exits with a diagnostic on an oversize frame", async () => {
    await start();
    const header = Buffer.alloc(9);
    header.writeUInt8(FrameType.PING, 0);
    header.writeUInt32LE(MAX_FRAME_PAYLOAD + 1, 5);
    client.writeRaw(header);
    expect(await client.agent.exited).toEqual({ code: 1, signal: null });
    expect(client.agent.stderr()).toContain("fatal: corrupt stream: frame length 1048577 > 1 MiB");
  });

  it("exits with a diagnostic on an unknown frame type", async () => {
    await start();
    client.writeRaw(Buffer.from([0x42, 0, 0, 0, 0, 0, 0, 0, 0]));
    expect(await client.agent.exited).toEqual({ code: 1, signal: null });
    expect(client.agent.stderr()).toContain("fatal: corrupt stream: unknown frame type 0x42");
  });

  it("exits cleanly and kills its sessions when its input ends", async () => {
    await start();
    client.send(FrameType.EXEC, 1, exec(["sleep", "30"]));
    const pid = decodeStarted((await client.next()).payload);
    leftovers.push(pid);
    client.agent.child.stdin.end();
    expect(await client.agent.exited).toEqual({ code: 0, signal: null });
    expect(await waitGone(pid)).toBe(true);
  });
});
