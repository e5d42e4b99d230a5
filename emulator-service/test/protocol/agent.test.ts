/** The real guest agent (agent.c, built with the host gcc) driven through AgentChannel in --stdio mode. */
import { randomBytes } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  AgentChannelClosedError,
  AgentRemoteError,
  MAX_OUTPUT_CHUNK,
} from "../../src/protocol/index.js";
import {
  type AgentBuild,
  collect,
  compileAgent,
  HAVE_GCC,
  isAlive,
  killGroup,
  type RunningAgent,
  spawnAgent,
  waitGone,
} from "./agent-harness.js";

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

describe.skipIf(!HAVE_GCC)("guest agent in --stdio mode", () => {
  let build: AgentBuild;
  let agent: RunningAgent;
  const leftovers: number[] = [];

  beforeAll(() => {
    build = compileAgent();
  });
  afterAll(() => build?.dispose());

  const start = async (): Promise<RunningAgent> => {
    agent = spawnAgent(build.binary);
    expect(await agent.channel.waitReady(5_000)).toBe("edgevm-agent/1");
    return agent;
  };
  afterEach(() => {
    agent?.channel.close();
    agent?.child.kill("SIGKILL");
    for (const pid of leftovers.splice(0)) killGroup(pid);
  });

  const sh = (script: string, cwd = build.dir) =>
    agent.channel.exec({ argv: ["/bin/sh", "-c", script], env: {}, cwd });

  it("sends READY first, even when waitReady is called late", async () => {
    agent = spawnAgent(build.binary);
    await delay(200);
    expect(agent.channel.version).toBe("edgevm-agent/1");
    expect(await agent.channel.waitReady(10)).toBe("edgevm-agent/1");
  });

  it("answers PING and INIT", async () => {
    await start();
    expect(await agent.channel.ping()).toBeGreaterThanOrEqual(0);
    await expect(
      agent.channel.init(BigInt(Date.now()) * 1_000_000n, randomBytes(64)),
    ).resolves.toBe(undefined);
  });

  it("runs a command with stdout and stderr kept apart", async () => {
    await start();
    const session = sh("echo hi; echo oops >&2; echo there");
    const out = collect(session);
    expect(await session.started).toBeGreaterThan(1);
    expect(await session.exit).toEqual({ exitCode: 0, signal: null });
    expect(out.stdout().toString()).toBe("hi\nthere\n");
    expect(out.stderr().toString()).toBe("oops\n");
  });

  it("reports exit codes", async () => {
    await start();
    const ok = sh("exit 0");
    const three = sh("exit 3");
    expect(await ok.exit).toEqual({ exitCode: 0, signal: null });
    expect(await three.exit).toEqual({ exitCode: 3, signal: null });
  });

  it("round-trips stdin through cat, including more than a pipe buffer", async () => {
    await start();
    const session = agent.channel.exec({ argv: ["cat"], cwd: build.dir });
    const out = collect(session);
    const input = randomBytes(3 * 1024 * 1024 + 17);
    session.writeStdin(Buffer.from("hello\n"));
    session.writeStdin(input);
    session.closeStdin();
    expect(await session.exit).toEqual({ exitCode: 0, signal: null });
    expect(out.stdout().equals(Buffer.concat([Buffer.from("hello\n"), input]))).toBe(true);
    expect(Math.max(...out.chunks.map((c) => c.length))).toBeLessThanOrEqual(MAX_OUTPUT_CHUNK);
  });

  it("closes stdin without data", async () => {
    await start();
    const session = agent.channel.exec({ argv: ["wc", "-c"], cwd: build.dir });
    const out = collect(session);
    session.closeStdin();
    expect(await session.exit).toEqual({ exitCode: 0, signal: null });
    expect(out.stdout().toString().trim()).toBe("0");
  });

  it("passes exactly the given environment, adding PATH and HOME only when absent", async () => {
    await start();
    const bare = agent.channel.exec({ argv: ["env"], env: { FOO: "bar baz", X: "" } });
    const bareOut = collect(bare);
    const full = agent.channel.exec({ argv: ["/usr/bin/env"], env: ["PATH=/bin", "HOME=/h"] });
    const fullOut = collect(full);
    await Promise.all([bare.exit, full.exit]);
    expect(bareOut.stdout().toString()).toBe(`FOO=bar baz\nX=\nPATH=${DEFAULT_PATH}\nHOME=/root\n`);
    expect(fullOut.stdout().toString()).toBe("PATH=/bin\nHOME=/h\n");
  });

  it("runs in the given cwd", async () => {
    await start();
    const session = agent.channel.exec({ argv: ["pwd"], cwd: build.dir });
    const out = collect(session);
    expect(await session.exit).toEqual({ exitCode: 0, signal: null });
    expect(out.stdout().toString()).toBe(`${build.dir}\n`);
  });

  it.skipIf(process.getuid?.() !== 0)("defaults the cwd to /root", async () => {
    await start();
    const session = agent.channel.exec({ argv: ["pwd"] });
    const out = collect(session);
    await session.exit;
    expect(out.stdout().toString()).toBe("/root\n");
  });

  it("reports a missing cwd like a failed exec", async () => {
    await start();
    const session = agent.channel.exec({ argv: ["pwd"], cwd: join(build.dir, "nope") });
    const out = collect(session);
    expect(await session.exit).toEqual({ exitCode: 127, signal: null });
    expect(out.stderr().toString()).toBe(
      `edgevm: ${join(build.dir, "nope")}: No such file or directory\n`,
    );
  });

  it("is binary-safe on stdout", async () => {
    await start();
    const file = join(build.dir, "random.bin");
    const session = sh(`head -c 300000 /dev/urandom > ${file} && cat ${file}`);
    const out = collect(session);
    expect(await session.exit).toEqual({ exitCode: 0, signal: null });
    const expected = readFileSync(file);
    expect(expected.length).toBe(300_000);
    expect(out.stdout().equals(expected)).toBe(true);
  });

  it("carries all 256 byte values", async () => {
    await start();
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const path = join(build.dir, "bytes.bin");
    await agent.channel.writeFile(path, all);
    const session = agent.channel.exec({ argv: ["cat", path] });
    const out = collect(session);
    await session.exit;
    expect(out.stdout().equals(all)).toBe(true);
  });

  it("exits 127 with a message for a missing binary", async () => {
    await start();
    const session = agent.channel.exec({ argv: ["edgevm-no-such-binary", "x"] });
    const out = collect(session);
    expect(await session.started).toBeGreaterThan(1);
    expect(await session.exit).toEqual({ exitCode: 127, signal: null });
    expect(out.stderr().toString()).toBe(
      "edgevm: edgevm-no-such-binary: No such file or directory\n",
    );
  });

  it("delivers signals to the process group", async () => {
    await start();
    const term = agent.channel.exec({ argv: ["sleep", "30"] });
    const group = sh("sleep 30 & echo $!; sleep 31; wait");
    const groupOut = collect(group);
    leftovers.push(await term.started, await group.started);
    while (!groupOut.stdout().includes("\n")) await delay(10);
    const background = Number(groupOut.stdout().toString());
    expect(isAlive(background)).toBe(true);
    term.signal("SIGTERM");
    group.signal(9);
    expect(await term.exit).toEqual({ exitCode: null, signal: 15 });
    expect(await group.exit).toEqual({ exitCode: null, signal: 9 });
    // the background sleep was in the group, so it died too
    expect(await waitGone(background)).toBe(true);
  });

  it("sends EXIT shortly after the child is reaped when a grandchild keeps the pipes", async () => {
    await start();
    const session = sh("sleep 30 & echo done");
    const out = collect(session);
    leftovers.push(await session.started);
    const t0 = Date.now();
    expect(await session.exit).toEqual({ exitCode: 0, signal: null });
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(out.stdout().toString()).toBe("done\n");
  });

  it("writes files (truncate, append, large, mode) and reads them back", async () => {
    await start();
    const path = join(build.dir, "deep/er/file.txt");
    await agent.channel.writeFile(path, Buffer.from("old content that is long"), { mode: 0o600 });
    await agent.channel.writeFile(path, Buffer.from("hello "), { mode: 0o640 });
    await agent.channel.writeFile(path, Buffer.from("world\n"), { append: true });
    const cat = agent.channel.exec({ argv: ["cat", path] });
    const out = collect(cat);
    await cat.exit;
    expect(out.stdout().toString()).toBe("hello world\n");
    expect(statSync(path).mode & 0o7777).toBe(0o640);

    const big = randomBytes(2 * 1024 * 1024 + 123);
    const bigPath = join(build.dir, "big.bin");
    await agent.channel.writeFile(bigPath, big, { mode: 0o755 });
    expect(readFileSync(bigPath).equals(big)).toBe(true);
    expect(statSync(bigPath).mode & 0o7777).toBe(0o755);
  });

  it("reports a FILE failure as AgentRemoteError", async () => {
    await start();
    const blocker = join(build.dir, "blocker");
    await agent.channel.writeFile(blocker, Buffer.from("x"));
    const failure = agent.channel.writeFile(join(blocker, "child"), Buffer.from("y"));
    await expect(failure).rejects.toBeInstanceOf(AgentRemoteError);
    await expect(failure).rejects.toThrow(`${join(blocker, "child")}: Not a directory`);
    expect(await agent.channel.ping()).toBeGreaterThanOrEqual(0);
  });

  it("runs concurrent sessions with interleaved output", async () => {
    await start();
    const order: number[] = [];
    const sessions = [0, 1, 2].map((n) => {
      const s = sh(`for i in 1 2 3 4; do echo s${n}-$i; sleep 0.05; done; exit ${n}`);
      s.onStdout(() => order.push(n));
      return { s, out: collect(s) };
    });
    const exits = await Promise.all(sessions.map(({ s }) => s.exit));
    expect(exits.map((e) => e.exitCode)).toEqual([0, 1, 2]);
    expect(new Set(sessions.map(({ s }) => s.id)).size).toBe(3);
    sessions.forEach(({ out }, n) => {
      expect(out.stdout().toString()).toBe(`s${n}-1\ns${n}-2\ns${n}-3\ns${n}-4\n`);
    });
    // interleaved: some output of session 1 arrived before the last output of session 0
    expect(order.indexOf(1)).toBeLessThan(order.lastIndexOf(0));
  });

  it("rejects every pending promise promptly when the agent dies", async () => {
    await start();
    const session = agent.channel.exec({ argv: ["sleep", "30"] });
    leftovers.push(await session.started);
    const other = agent.channel.exec({ argv: ["cat"] });
    await other.started;
    const t0 = Date.now();
    agent.child.kill("SIGKILL");
    await expect(session.exit).rejects.toBeInstanceOf(AgentChannelClosedError);
    await expect(other.exit).rejects.toBeInstanceOf(AgentChannelClosedError);
    expect(Date.now() - t0).toBeLessThan(2_000);
    await expect(agent.channel.ping()).rejects.toBeInstanceOf(AgentChannelClosedError);
    expect(await agent.channel.closed).toBeInstanceOf(AgentChannelClosedError);
  });
});
