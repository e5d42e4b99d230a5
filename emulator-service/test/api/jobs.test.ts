import { EdgevmError } from "@edgevm/contract";
import { describe, expect, it } from "vitest";
import { fakeResult } from "./fake-runner.js";
import { errorOf, makeApp, postJob } from "./helpers.js";

interface Issue {
  path: string;
  code: string;
  message: string;
}

async function invalid(body: unknown): Promise<{ message: string; issues: Issue[] }> {
  const { app, runner } = makeApp();
  const res = await postJob(app, body);
  expect(res.status).toBe(400);
  const error = await errorOf(res);
  expect(error.code).toBe("INVALID_REQUEST");
  expect(runner.calls).toHaveLength(0);
  return { message: error.message, issues: (error.details as { issues: Issue[] }).issues };
}

describe("POST /v1/jobs", () => {
  it("runs a signed job and returns the runner's result with defaults applied", async () => {
    const { app, runner } = makeApp();
    const res = await postJob(app, { command: ["echo", "hi"] });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(fakeResult());
    expect(runner.calls).toHaveLength(1);
    const call = runner.calls[0];
    expect(call?.spec).toEqual({
      command: ["echo", "hi"],
      image: "base",
      stdin: undefined,
      env: {},
      files: {},
      cwd: undefined,
      timeoutMs: 30_000,
      memoryMiB: 128,
      vcpus: 1,
      outputEncoding: "utf8",
    });
    expect(call?.options?.requestId).toBe(res.headers.get("x-request-id"));
    expect(call?.options?.signal).toBeInstanceOf(AbortSignal);
  });

  it("passes every field through", async () => {
    const { app, runner } = makeApp();
    const body = {
      command: ["python3", "-c", "print(1)"],
      image: "python",
      stdin: "input",
      env: { FOO: "bar", _X1: "" },
      files: { "/work/a.txt": "A" },
      cwd: "/work",
      timeoutMs: 5000,
      memoryMiB: 256,
      vcpus: 2,
      outputEncoding: "base64",
      network: false,
    };
    const res = await postJob(app, body);
    expect(res.status).toBe(200);
    const { network: _n, ...expected } = body;
    expect(runner.calls[0]?.spec).toEqual(expected);
  });

  it("returns 200 for a finished job even when it timed out", async () => {
    const { app, runner } = makeApp();
    runner.script = async () => fakeResult({ status: "timeout", exitCode: null, message: "t/o" });
    const res = await postJob(app, { command: ["sleep", "99"] });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { status: string }).status).toBe("timeout");
  });

  it("rejects invalid JSON with INVALID_JSON", async () => {
    const { app } = makeApp();
    const res = await postJob(app, '{"command": ["ls"');
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error.code).toBe("INVALID_JSON");
    expect(error.message).toMatch(/not valid JSON/);
  });

  it("rejects an empty body with INVALID_JSON", async () => {
    const { app } = makeApp();
    const res = await postJob(app, "");
    expect((await errorOf(res)).code).toBe("INVALID_JSON");
  });

  it("rejects a missing command, naming the field", async () => {
    const { message, issues } = await invalid({ image: "base" });
    expect(message).toContain("command");
    expect(issues).toContainEqual(
      expect.objectContaining({ path: "command", message: "is required" }),
    );
  });

  it("rejects a command that is not an array", async () => {
    const { issues } = await invalid({ command: "ls -l" });
    expect(issues[0]?.path).toBe("command");
    expect(issues[0]?.message).toMatch(/array of strings/);
  });

  it("rejects an empty command", async () => {
    const { issues } = await invalid({ command: [] });
    expect(issues[0]).toMatchObject({ path: "command", code: "too_small" });
  });

  it("rejects non-string arguments and oversized arguments by index", async () => {
    const a = await invalid({ command: ["echo", 5] });
    expect(a.issues[0]?.path).toBe("command[1]");
    const b = await invalid({ command: ["echo", "x".repeat(64 * 1024 + 1)] });
    expect(b.issues[0]).toMatchObject({ path: "command[1]" });
    expect(b.issues[0]?.message).toMatch(/65536 bytes/);
  });

  it("rejects an unknown image with UNKNOWN_IMAGE", async () => {
    const { app } = makeApp();
    const res = await postJob(app, { command: ["ls"], image: "windows" });
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error.code).toBe("UNKNOWN_IMAGE");
    expect(error.message).toContain("windows");
    expect(error.details).toEqual({ image: "windows", available: ["base", "python"] });
  });

  it.each([
    [-1, "too_small"],
    [0, "too_small"],
    [600_001, "too_big"],
    [1e12, "too_big"],
    [1.5, "invalid_type"],
  ])("rejects timeoutMs %s", async (timeoutMs, code) => {
    const { issues } = await invalid({ command: ["ls"], timeoutMs });
    expect(issues[0]).toMatchObject({ path: "timeoutMs", code });
  });

  it("enforces memory and vcpu bounds", async () => {
    expect((await invalid({ command: ["ls"], memoryMiB: 64 })).issues[0]?.path).toBe("memoryMiB");
    expect((await invalid({ command: ["ls"], memoryMiB: 1e6 })).issues[0]?.path).toBe("memoryMiB");
    expect((await invalid({ command: ["ls"], vcpus: 0 })).issues[0]?.path).toBe("vcpus");
    expect((await invalid({ command: ["ls"], vcpus: 64 })).issues[0]?.path).toBe("vcpus");
  });

  it("rejects a non-string env value, naming the key", async () => {
    const { message, issues } = await invalid({ command: ["env"], env: { GOOD: "1", PORT: 8080 } });
    expect(message).toContain("env.PORT");
    expect(issues).toEqual([expect.objectContaining({ path: "env.PORT", code: "invalid_type" })]);
  });

  it("rejects an env key that is not a variable name", async () => {
    const { issues } = await invalid({ command: ["env"], env: { "1BAD": "x" } });
    expect(issues[0]).toMatchObject({ path: "env.1BAD", code: "invalid_key" });
  });

  it("rejects relative file paths and cwd", async () => {
    const a = await invalid({ command: ["ls"], files: { "rel/a.txt": "x" } });
    expect(a.issues[0]).toMatchObject({ path: "files.rel/a.txt", code: "invalid_key" });
    expect(a.issues[0]?.message).toMatch(/absolute/);
    const b = await invalid({ command: ["ls"], cwd: "tmp" });
    expect(b.issues[0]?.path).toBe("cwd");
  });

  it("rejects unknown top-level keys", async () => {
    const { message, issues } = await invalid({ command: ["ls"], comand: ["ls"] });
    expect(message).toContain("comand");
    expect(issues).toEqual([
      { path: "comand", code: "unrecognized_keys", message: "is not a known field" },
    ]);
  });

  it("rejects a body that is not an object", async () => {
    const { issues } = await invalid([1, 2]);
    expect(issues[0]?.path).toBe("(body)");
  });

  it("rejects network: true with NETWORK_NOT_ALLOWED", async () => {
    const { app, runner } = makeApp();
    const res = await postJob(app, { command: ["curl", "example.com"], network: true });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe("NETWORK_NOT_ALLOWED");
    expect(runner.calls).toHaveLength(0);
  });

  it("applies configured limits", async () => {
    const { app } = makeApp({ limits: { maxTimeoutMs: 1000, defaultTimeoutMs: 500 } });
    const res = await postJob(app, { command: ["ls"], timeoutMs: 2000 });
    expect((await errorOf(res)).message).toMatch(/timeoutMs: .*1000/);
  });

  it("maps NO_CAPACITY from the runner to 503 with Retry-After", async () => {
    const { app, runner } = makeApp();
    runner.script = async () => {
      throw new EdgevmError("NO_CAPACITY", "all slots busy", { retryAfterS: 2 });
    };
    const res = await postJob(app, { command: ["ls"] });
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("2");
    expect(await res.json()).toEqual({ error: { code: "NO_CAPACITY", message: "all slots busy" } });
  });

  it("turns an unexpected runner error into a generic 500 and logs the stack", async () => {
    const { app, runner, lines } = makeApp();
    runner.script = async () => {
      throw new Error("secret internals at /var/lib/edgevm");
    };
    const res = await postJob(app, { command: ["ls"] });
    expect(res.status).toBe(500);
    const error = await errorOf(res);
    expect(error).toEqual({ code: "INTERNAL", message: "internal error" });
    const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const entry = logged.find((l) => l.msg === "unhandled error");
    expect(entry?.level).toBe("error");
    expect(JSON.stringify(entry?.err)).toContain("secret internals");
    expect(JSON.stringify(entry?.err)).toContain("stack");
  });
});
