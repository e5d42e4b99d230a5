/** Reads a `POST /pipeline` request (multipart, JSON or raw text) into a PipelineInput. */

import { combine, type PipelineInput, parseJsonBody, stepsFrom } from "./input.js";
import type { Parsed } from "./steps.js";

async function fieldText(value: File | string | null): Promise<string | undefined> {
  if (value === null) return undefined;
  return typeof value === "string" ? value : value.text();
}

const strings = (values: Array<File | string>): string[] =>
  values.filter((value): value is string => typeof value === "string");

export async function readPipelineRequest(request: Request): Promise<Parsed<PipelineInput>> {
  const url = new URL(request.url);
  const querySteps = stepsFrom(
    url.searchParams.getAll("step"),
    url.searchParams.get("steps") ?? undefined,
  );
  const contentType = (request.headers.get("content-type") ?? "").toLowerCase();

  if (contentType.startsWith("multipart/form-data")) {
    let form: FormData;
    try {
      form = await request.formData();
    } catch {
      return { ok: false, message: "the multipart body could not be parsed" };
    }
    const text = (await fieldText(form.get("file"))) ?? (await fieldText(form.get("text")));
    const steps = form.get("steps");
    const bodySteps = stepsFrom(
      strings(form.getAll("step")),
      typeof steps === "string" ? steps : undefined,
    );
    return combine(text, bodySteps, querySteps);
  }

  const raw = await request.text();
  if (!contentType.includes("json")) return combine(raw, undefined, querySteps);
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    return { ok: false, message: "the body is not valid JSON" };
  }
  return parseJsonBody(body, querySteps);
}
