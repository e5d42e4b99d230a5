/**
 * The SQLite row of one async job (each JobRecord object holds exactly one job). Pure functions over
 * `SqlStorage`, so tests can seed records directly.
 *
 * A result can be larger than one SQLite value may be (a Durable Object refuses strings over
 * 2 MB: "string or blob too big"), since a host returns up to 1 MiB of stdout and 1 MiB of stderr,
 * escaped in JSON or base64-encoded. So a result is stored as its JSON text cut into chunks of
 * `RESULT_CHUNK_CHARS` in `result_chunk`, written in the same synchronous call as the state change
 * (one implicit transaction); the `result` column is only read for records written before that.
 */

import type { ErrorBody, JobResult } from "../shared/index.js";

export type RecordState = "queued" | "running" | "done" | "error" | "crashed";

export interface StoredJob {
  id: string;
  tenant: string;
  /** the validated request body, exactly as it will be sent to the emulator host */
  request: string;
  requestId: string;
  timeoutMs: number;
  state: RecordState;
  attempts: number;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  result: JobResult | null;
  /** state "error": the emulator's (or the Worker's) error, its HTTP status and Retry-After */
  error: { status: number; body: ErrorBody; retryAfter: string | null } | null;
  /** state "crashed": why the run never finished */
  message: string | null;
  /** hosts that died while running this job (each loss retried once on another host) */
  lostOn: string[];
}

type Row = {
  id: string;
  tenant: string;
  request: string;
  request_id: string;
  timeout_ms: number;
  state: string;
  attempts: number;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  result: string | null;
  error: string | null;
  message: string | null;
  lost_on: string | null;
};

/**
 * Characters of result JSON per stored chunk: at most 3 UTF-8 bytes each (JSON escapes the rest),
 * so a chunk stays well under the 2 MB a Durable Object's SQLite allows per value.
 */
export const RESULT_CHUNK_CHARS = 256 * 1024;

export function ensureSchema(sql: SqlStorage): void {
  sql.exec(`CREATE TABLE IF NOT EXISTS job (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    request TEXT NOT NULL,
    request_id TEXT NOT NULL,
    timeout_ms INTEGER NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    finished_at INTEGER,
    result TEXT,
    error TEXT,
    message TEXT
  )`);
  // Added after the first release: records created before it get the column here.
  const columns = sql.exec<{ name: string }>("PRAGMA table_info(job)").toArray();
  if (!columns.some((c) => c.name === "lost_on"))
    sql.exec("ALTER TABLE job ADD COLUMN lost_on TEXT");
  sql.exec(`CREATE TABLE IF NOT EXISTS result_chunk (
    seq INTEGER PRIMARY KEY,
    data TEXT NOT NULL
  )`);
}

/** Replaces the stored result with `result`, in chunks. */
function writeResult(sql: SqlStorage, result: JobResult): void {
  const text = JSON.stringify(result);
  sql.exec("DELETE FROM result_chunk");
  for (let seq = 0; seq * RESULT_CHUNK_CHARS < text.length; seq++) {
    const start = seq * RESULT_CHUNK_CHARS;
    sql.exec(
      "INSERT INTO result_chunk (seq, data) VALUES (?, ?)",
      seq,
      text.slice(start, start + RESULT_CHUNK_CHARS),
    );
  }
}

function readResult(sql: SqlStorage, legacy: string | null): JobResult | null {
  if (legacy !== null) return JSON.parse(legacy) as JobResult;
  const chunks = sql.exec<{ data: string }>("SELECT data FROM result_chunk ORDER BY seq").toArray();
  if (chunks.length === 0) return null;
  return JSON.parse(chunks.map((c) => c.data).join("")) as JobResult;
}

export function insertJob(sql: SqlStorage, job: StoredJob): void {
  sql.exec(
    `INSERT INTO job (id, tenant, request, request_id, timeout_ms, state, attempts, created_at,
       started_at, finished_at, result, error, message, lost_on)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    job.id,
    job.tenant,
    job.request,
    job.requestId,
    job.timeoutMs,
    job.state,
    job.attempts,
    job.createdAt,
    job.startedAt,
    job.finishedAt,
    null,
    job.error === null ? null : JSON.stringify(job.error),
    job.message,
    job.lostOn.length ? JSON.stringify(job.lostOn) : null,
  );
  if (job.result !== null) writeResult(sql, job.result);
}

export function loadJob(sql: SqlStorage): StoredJob | null {
  const row = sql.exec<Row>("SELECT * FROM job LIMIT 1").toArray()[0];
  if (row === undefined) return null;
  return {
    id: row.id,
    tenant: row.tenant,
    request: row.request,
    requestId: row.request_id,
    timeoutMs: row.timeout_ms,
    state: row.state as RecordState,
    attempts: row.attempts,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    result: readResult(sql, row.result),
    error: row.error === null ? null : (JSON.parse(row.error) as StoredJob["error"]),
    message: row.message,
    lostOn: row.lost_on === null ? [] : (JSON.parse(row.lost_on) as string[]),
  };
}

export function markRunning(sql: SqlStorage, now: number): void {
  sql.exec("UPDATE job SET state = 'running', started_at = ?, attempts = attempts + 1", now);
}

export function markHostLost(sql: SqlStorage, lostOn: readonly string[]): void {
  sql.exec("UPDATE job SET lost_on = ?", JSON.stringify(lostOn));
}

export function markQueued(sql: SqlStorage): void {
  sql.exec("UPDATE job SET state = 'queued', started_at = NULL");
}

export function markDone(sql: SqlStorage, result: JobResult, now: number): void {
  writeResult(sql, result);
  sql.exec("UPDATE job SET state = 'done', result = NULL, finished_at = ?", now);
}

export function markError(
  sql: SqlStorage,
  error: NonNullable<StoredJob["error"]>,
  now: number,
): void {
  sql.exec(
    "UPDATE job SET state = 'error', error = ?, finished_at = ?",
    JSON.stringify(error),
    now,
  );
}

export function markCrashed(sql: SqlStorage, message: string, now: number): void {
  sql.exec("UPDATE job SET state = 'crashed', message = ?, finished_at = ?", message, now);
}
