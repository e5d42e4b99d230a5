import { describe, expect, it } from "vitest";
import { parseRpcError, pickRequestId, rpcErrorResponse } from "../http.js";

describe("parseRpcError", () => {
  it("splits VmService's coded messages", () => {
    expect(parseRpcError(new Error("NO_CAPACITY: all 4 slots busy"))).toEqual({
      code: "NO_CAPACITY",
      message: "all 4 slots busy",
    });
    expect(parseRpcError(new Error("INVALID_REQUEST: command: bad\nsecond line"))).toEqual({
      code: "INVALID_REQUEST",
      message: "command: bad\nsecond line",
    });
  });

  it("skips an error name in front of the code (dev registry RPC)", () => {
    expect(
      parseRpcError(new Error("EdgevmError: EMULATOR_UNAVAILABLE: the host is unreachable")),
    ).toEqual({ code: "EMULATOR_UNAVAILABLE", message: "the host is unreachable" });
    expect(parseRpcError(new Error("Error: QUEUE_FULL: full")).code).toBe("QUEUE_FULL");
  });

  it("treats anything else as INTERNAL", () => {
    expect(parseRpcError(new Error("socket hang up"))).toEqual({
      code: "INTERNAL",
      message: "the compute service failed: socket hang up",
    });
    expect(parseRpcError("boom").code).toBe("INTERNAL");
  });
});

describe("rpcErrorResponse", () => {
  it.each([
    ["INVALID_REQUEST: x", 400, null],
    ["PAYLOAD_TOO_LARGE: x", 413, null],
    ["QUEUE_FULL: x", 429, "1"],
    ["NO_CAPACITY: x", 503, "1"],
    ["EMULATOR_UNAVAILABLE: x", 503, "1"],
    ["VM_CRASHED: x", 502, null],
    ["SOMETHING_NEW: x", 502, null],
    ["not coded", 500, null],
  ])("%s → %i", async (message, status, retryAfter) => {
    const res = rpcErrorResponse(new Error(message));
    expect(res.status).toBe(status);
    expect(res.headers.get("retry-after")).toBe(retryAfter);
    const body = (await res.json()) as { error: { code: string } };
    expect(body.error.code).toMatch(/^[A-Z_]+$/);
  });
});

describe("pickRequestId", () => {
  it("keeps sane ids and replaces others", () => {
    expect(pickRequestId("abc-123_x.y")).toBe("abc-123_x.y");
    expect(pickRequestId("bad id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(pickRequestId(null)).toMatch(/^[0-9a-f-]{36}$/);
  });
});
