import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { fakeCalls, uniqueName } from "./helpers.js";

/** The rejection of an RPC call (awaited here, so no rejection is left unhandled). */
async function rejectionOf(call: Promise<unknown>): Promise<Error> {
  try {
    await call;
  } catch (err) {
    return err as Error;
  }
  throw new Error("the call did not reject");
}

describe("VmService (RPC through a service binding)", () => {
  it("run() validates, signs and returns the JobResult", async () => {
    const marker = uniqueName("rpc");
    const result = await env.VMS.run({
      command: ["echo", "from", "rpc"],
      env: { MARKER: marker },
      requestId: `req-${marker}`,
    });
    expect(result).toMatchObject({
      status: "succeeded",
      stdout: "from rpc\n",
      host: "fake-host-1",
    });
    expect(await fakeCalls(marker)).toEqual([
      { requestId: `req-${marker}`, command: ["echo", "from", "rpc"], marker },
    ]);
  });

  it("run() rejects bad input with a coded error and never calls the emulator", async () => {
    const marker = uniqueName("rpc-bad");
    const err = await rejectionOf(env.VMS.run({ command: [], env: { MARKER: marker } }));
    expect(err.message).toMatch(/^INVALID_REQUEST: .*command/);
    expect(await fakeCalls(marker)).toHaveLength(0);
  });

  it("run() surfaces the host's capacity error with its code", async () => {
    const err = await rejectionOf(env.VMS.run({ command: ["busy"] }));
    expect(err.message).toMatch(/^NO_CAPACITY: /);
  });

  it("stream() returns the SSE bytes", async () => {
    const stream = await env.VMS.stream({ command: ["echo", "streamed"] });
    const text = await new Response(stream).text();
    expect(text).toContain("event: start");
    expect(text).toContain('"data":"streamed\\n"');
    expect(text).toContain("event: exit");
  });
});
