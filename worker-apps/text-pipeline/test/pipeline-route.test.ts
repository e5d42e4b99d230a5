import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MAX_BODY_BYTES } from "../src/app.js";
import { MAX_TEXT_BYTES } from "../src/input.js";
import { BASE, callsFor, errorOf, newRequestId, send } from "./helpers.js";

const LOG = "GET /a\nPOST /b\nGET /a\nGET /c\n";

function form(fields: Array<[string, string | Blob, string?]>): FormData {
  const data = new FormData();
  for (const [name, value, filename] of fields) {
    if (typeof value === "string") data.append(name, value);
    else data.append(name, value, filename);
  }
  return data;
}

describe("POST /pipeline", () => {
  it("runs a multipart upload through the steps and describes them", async () => {
    const requestId = newRequestId();
    const body = form([
      ["file", new Blob([LOG], { type: "text/plain" }), "access.log"],
      ["step", "grep:GET"],
      ["step", "sort"],
      ["step", "uniq -c"],
    ]);
    const res = await send(
      "/pipeline",
      requestId,
      { body },
      {
        result: {
          stdout: "      2 GET /a\n      1 GET /c\n",
          timing: { queueMs: 0, startMs: 5, runMs: 9, totalMs: 15 },
        },
      },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toBe(requestId);
    const script = "'grep' '-e' 'GET' < '/work/input.txt' | 'sort' | 'uniq' '-c'";
    expect(await res.json()).toEqual({
      output: "      2 GET /a\n      1 GET /c\n",
      stderr: "",
      exitCode: 0,
      status: "succeeded",
      truncated: false,
      steps: [
        {
          step: "grep:GET",
          argv: ["grep", "-e", "GET"],
          description: 'keep lines matching the regex "GET"',
        },
        { step: "sort", argv: ["sort"], description: "sort lines" },
        { step: "uniq -c", argv: ["uniq", "-c"], description: "count repeated adjacent lines" },
      ],
      script,
      ms: 15,
      vm: { id: "vm-fake-1", start: "warm", memoryMiB: 128 },
    });
    expect(await callsFor(requestId)).toEqual([
      {
        method: "run",
        job: {
          command: ["sh", "-c", script],
          files: { "/work/input.txt": LOG },
          timeoutMs: 15_000,
          requestId,
        },
      },
    ]);
  });

  it("takes a raw body with ?step= and keeps hostile patterns quoted", async () => {
    const requestId = newRequestId();
    const steps = new URLSearchParams([
      ["step", "grep:'; reboot #"],
      ["step", "tr-upper"],
    ]);
    const res = await send(`/pipeline?${steps}`, requestId, {
      body: "it's text\n",
      headers: { "content-type": "text/plain" },
    });
    expect(res.status).toBe(200);
    expect(await callsFor(requestId)).toEqual([
      {
        method: "run",
        job: {
          command: [
            "sh",
            "-c",
            "'grep' '-e' ''\\''; reboot #' < '/work/input.txt' | 'tr' 'a-z' 'A-Z'",
          ],
          files: { "/work/input.txt": "it's text\n" },
          timeoutMs: 15_000,
          requestId,
        },
      },
    ]);
  });

  it("takes JSON { text, steps } and a ?steps= JSON list", async () => {
    const requestId = newRequestId();
    const json = await send("/pipeline", requestId, {
      body: JSON.stringify({ text: "b\na\n", steps: ["sort", "head:1"] }),
      headers: { "content-type": "application/json" },
    });
    expect(json.status).toBe(200);
    const query = encodeURIComponent(JSON.stringify(["wc -l"]));
    const raw = await send(`/pipeline?steps=${query}`, requestId, { body: "x\n" });
    expect(raw.status).toBe(200);
    expect((await callsFor(requestId)).map((call) => call.job)).toEqual([
      {
        command: ["sh", "-c", "'sort' < '/work/input.txt' | 'head' '-n' '1'"],
        files: { "/work/input.txt": "b\na\n" },
        timeoutMs: 15_000,
        requestId,
      },
      {
        command: ["sh", "-c", "'wc' '-l' < '/work/input.txt'"],
        files: { "/work/input.txt": "x\n" },
        timeoutMs: 15_000,
        requestId,
      },
    ]);
  });

  it("returns a failed pipeline as a result (grep found nothing)", async () => {
    const requestId = newRequestId();
    const res = await send(
      "/pipeline?step=grep:zzz",
      requestId,
      { body: LOG },
      {
        result: { status: "failed", exitCode: 1, stdout: "" },
      },
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ output: "", status: "failed", exitCode: 1 });
  });

  it.each([
    ["/pipeline?step=rm%20-rf", "x", /step "rm -rf": unknown step/],
    ["/pipeline?step=sed:s/a/b/e", "x", /flags "e" are not allowed/],
    ["/pipeline?step=head:0", "x", /whole number/],
    ["/pipeline", "x", /no steps/],
    ["/pipeline?steps=sort", "x", /steps must be a JSON array/],
    ["/pipeline?step=sort&steps=[]", "x", /either step or steps/],
  ])("answers 400 for %s", async (path, body, message) => {
    const requestId = newRequestId();
    const res = await send(path, requestId, { body });
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error.code).toBe("INVALID_REQUEST");
    expect(error.message).toMatch(message);
    expect(await callsFor(requestId)).toEqual([]);
  });

  it("answers 400 for a multipart body without a file, and for bad JSON", async () => {
    const requestId = newRequestId();
    const noFile = await send("/pipeline", requestId, { body: form([["step", "sort"]]) });
    expect(noFile.status).toBe(400);
    expect((await errorOf(noFile)).message).toMatch(/no text/);
    const badJson = await send("/pipeline?step=sort", requestId, {
      body: "{",
      headers: { "content-type": "application/json" },
    });
    expect(badJson.status).toBe(400);
    expect(await callsFor(requestId)).toEqual([]);
  });

  it("answers 413 for text over 512 KiB and for oversized bodies", async () => {
    const requestId = newRequestId();
    const big = await send("/pipeline?step=wc", requestId, {
      body: "x".repeat(MAX_TEXT_BYTES + 1),
    });
    expect(big.status).toBe(413);
    expect((await errorOf(big)).code).toBe("PAYLOAD_TOO_LARGE");
    const huge = await send("/pipeline?step=wc", requestId, {
      body: "x".repeat(MAX_BODY_BYTES + 1),
    });
    expect(huge.status).toBe(413);
    expect(await callsFor(requestId)).toEqual([]);
  });

  it("maps VmService errors to statuses", async () => {
    const requestId = newRequestId();
    const res = await send(
      "/pipeline?step=sort",
      requestId,
      { body: "b\na\n" },
      {
        error: "QUEUE_FULL: the queue is full",
      },
    );
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("1");
    expect(await errorOf(res)).toEqual({ code: "QUEUE_FULL", message: "the queue is full" });
  });
});

describe("GET /", () => {
  it("explains the usage and the vocabulary", async () => {
    const res = await exports.default.fetch(`${BASE}/`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain("POST /pipeline");
    expect(text).toContain("grep:<regex>");
    expect(text).toContain("sed:<s/a/b/>");
  });
});
