/** Request ids: every response carries one, and it follows a job from the front door to its host. */

export const REQUEST_ID_HEADER = "x-request-id";

const SANE_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** The caller's id when it is a sane token (1–128 of `A-Za-z0-9._-`), otherwise a fresh UUID. */
export function pickRequestId(given: string | null | undefined): string {
  return typeof given === "string" && SANE_REQUEST_ID.test(given) ? given : crypto.randomUUID();
}
