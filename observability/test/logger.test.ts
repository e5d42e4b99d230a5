import { describe, expect, it } from "vitest";
import { createLogger, levelFromEnv, silentLogger } from "../src/index.js";

function capture(level?: "debug" | "info" | "warn" | "error") {
  const lines: string[] = [];
  const logger = createLogger({
    level,
    sink: (l) => lines.push(l),
    now: () => new Date("2024-01-02T03:04:05.000Z"),
  });
  return {
    logger,
    lines,
    parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe("logger (used by the API)", () => {
  it("writes one JSON object per line with ts, level, msg and fields", () => {
    const { logger, lines } = capture("info");
    logger.info("hello", { a: 1 });
    expect(lines).toEqual(['{"ts":"2024-01-02T03:04:05.000Z","level":"info","msg":"hello","a":1}']);
  });

  it("filters by level", () => {
    const { logger, parsed } = capture("warn");
    logger.debug("d");
    logger.info("i");
    logger.warn("w");
    logger.error("e");
    expect(parsed().map((l) => l.level)).toEqual(["warn", "error"]);
    expect(logger.enabled("info")).toBe(false);
  });

  it("binds fields in child loggers without letting them override ts/level/msg", () => {
    const { logger, parsed } = capture("debug");
    const child = logger.child({ requestId: "r1" }).child({ jobId: "j1" });
    child.debug("x", { level: "fake", extra: true });
    expect(parsed()[0]).toEqual({
      ts: "2024-01-02T03:04:05.000Z",
      level: "debug",
      msg: "x",
      requestId: "r1",
      jobId: "j1",
      extra: true,
    });
  });

  it("serializes errors with stack, bigints and cycles", () => {
    const { logger, parsed } = capture();
    const cyclic: Record<string, unknown> = { name: "c" };
    cyclic.self = cyclic;
    logger.error("boom", { err: new Error("bad"), n: 10n, cyclic });
    const line = parsed()[0] as {
      err: { message: string; stack: string };
      n: string;
      cyclic: unknown;
    };
    expect(line.err.message).toBe("bad");
    expect(line.err.stack).toContain("Error: bad");
    expect(line.n).toBe("10");
    expect(line.cyclic).toEqual({ name: "c", self: "[Circular]" });
  });

  it("reads EDGEVM_LOG_LEVEL and has a silent mode", () => {
    expect(levelFromEnv({ EDGEVM_LOG_LEVEL: "DEBUG" })).toBe("debug");
    expect(levelFromEnv({ EDGEVM_LOG_LEVEL: "loud" })).toBeUndefined();
    expect(levelFromEnv({})).toBeUndefined();
    const lines: string[] = [];
    createLogger({ silent: true, level: "debug", sink: (l) => lines.push(l) }).error("x");
    expect(lines).toEqual([]);
    expect(silentLogger().level).toBe("silent");
  });
});
