/**
 * JobRecord: one SQLite-backed Durable Object per async job, named `${tenant}:${jobId}`. It stores
 * the request, runs the job itself from an alarm (so the work is tied to neither the client
 * request nor the Worker isolate that accepted it), and stores the result.
 *
 * At-least-once on host loss: when the host running the job dies after the job started, the job is
 * run once more on another host of the region under the same id (the first run may have partly
 * executed inside its VM, which had no network and no host files, so nothing outside saw it). If
 * the second host is lost too, the job ends with HOST_LOST. The hosts lost are listed in the
 * finished job (`lostOn`).
 *
 * A record is never `running` forever: when it is found `running` while no run is in progress in
 * this object's isolate (the runtime restarted mid-run, the alarm was lost…) and the run started
 * more than `timeoutMs + RUN_GRACE_MS` ago, it ends `crashed` with a reason. A run also keeps an
 * alarm at that deadline, so the check happens even if nobody asks for the job.
 *
 * Its runs use the isolate context (`isolate.ts`: host set, metrics, logger), passed to the
 * constructor; the runtime constructs the class `defineJobRecord` binds to one (`worker.ts`). Its
 * times stay on `Date.now`: they become storage alarms, which the runtime fires on its own clock.
 */

import { DurableObject } from "cloudflare:workers";
import type { Env } from "../config/env.js";
import { HOST_CALL_GRACE_MS } from "../emulator/dispatch.js";
import type { IsolateContext } from "../isolate.js";
import { EdgevmError } from "../shared/index.js";
import type { CreateJobInput, JobRecordApi } from "./record-api.js";
import { runJob } from "./run-job.js";
import {
  ensureSchema,
  insertJob,
  loadJob,
  markCrashed,
  markDone,
  markError,
  markHostLost,
  markQueued,
  markRunning,
  type StoredJob,
} from "./store.js";
import { type JobView, viewOf } from "./view.js";

/**
 * Time allowed beyond a job's own timeout before a run with no live runner is declared lost: the
 * same grace the Worker gives a host (the host's queue wait, VM start, returning the output).
 */
export const RUN_GRACE_MS = HOST_CALL_GRACE_MS;

/** Runs lost with their host are retried on another host this many times (at-least-once). */
export const HOST_LOSS_RETRIES = 1;

/** Capacity answers (429/503) are retried this many times in all, after their Retry-After. */
const MAX_ATTEMPTS = 5;
/** Bounds on the wait before a retry (ms), whatever Retry-After says. */
const MIN_RETRY_MS = 250;
const MAX_RETRY_MS = 30_000;

/** The image a stored request names (validated when the job was accepted). */
function imageOf(request: string): string {
  const parsed = JSON.parse(request) as { image?: unknown };
  return typeof parsed.image === "string" ? parsed.image : "base";
}

/** What a record uses of its isolate. */
export type RecordDeps = Pick<IsolateContext, "hosts" | "metrics" | "log">;

export class JobRecord extends DurableObject<Env> implements JobRecordApi {
  /** true while this instance is running the job (in-memory: gone after a restart) */
  private running = false;
  private readonly isolate: RecordDeps;

  constructor(ctx: DurableObjectState, env: Env, isolate: RecordDeps) {
    super(ctx, env);
    this.isolate = isolate;
    ensureSchema(ctx.storage.sql);
  }

  /** Stores a new job and schedules its run right away. Idempotent for the same id. */
  async create(input: CreateJobInput): Promise<void> {
    if (loadJob(this.ctx.storage.sql) !== null) return;
    insertJob(this.ctx.storage.sql, {
      ...input,
      state: "queued",
      attempts: 0,
      createdAt: Date.now(),
      startedAt: null,
      finishedAt: null,
      result: null,
      error: null,
      message: null,
      lostOn: [],
    });
    await this.ctx.storage.setAlarm(Date.now());
  }

  /** The job as `GET /v1/jobs/:id` shows it, or null when this object holds no job. */
  async view(): Promise<JobView | null> {
    const job = loadJob(this.ctx.storage.sql);
    if (job === null) return null;
    return viewOf(this.reconcile(job), this.env.REGION);
  }

  override async alarm(): Promise<void> {
    const job = loadJob(this.ctx.storage.sql);
    if (job === null || this.running) return;
    if (job.state === "running") {
      const current = this.reconcile(job);
      if (current.state === "running") await this.ctx.storage.setAlarm(this.deadline(current));
      return;
    }
    if (job.state !== "queued") return;
    await this.run(job);
  }

  private async run(job: StoredJob): Promise<void> {
    const { jobsHostLostTotal } = this.isolate.metrics;
    const log = this.isolate.log.child({
      requestId: job.requestId,
      jobId: job.id,
      tenant: job.tenant,
    });
    const sql = this.ctx.storage.sql;
    const startedAt = Date.now();
    this.running = true;
    markRunning(sql, startedAt);
    await this.ctx.storage.setAlarm(startedAt + job.timeoutMs + RUN_GRACE_MS);
    try {
      const body = new TextEncoder().encode(job.request);
      const lostOn = [...job.lostOn];
      let outcome = await this.attempt(job, body, lostOn);
      while (outcome.kind === "lost" && lostOn.length < HOST_LOSS_RETRIES) {
        lostOn.push(outcome.host);
        markHostLost(sql, lostOn);
        jobsHostLostTotal.inc({ mode: "async", retried: "true" });
        log.warn("async job lost with its host; retrying on another host", { host: outcome.host });
        outcome = await this.attempt(job, body, lostOn);
      }
      if (outcome.kind === "lost") {
        lostOn.push(outcome.host);
        markHostLost(sql, lostOn);
        jobsHostLostTotal.inc({ mode: "async", retried: "false" });
        const error = new EdgevmError(
          "HOST_LOST",
          `the job's host stopped answering on every attempt (${lostOn.join(", ")}); its result is lost`,
          { details: { lostOn } },
        );
        markError(sql, { status: 502, body: error.toBody(), retryAfter: null }, Date.now());
        await this.ctx.storage.deleteAlarm();
        log.warn("async job lost", { lostOn });
        return;
      }
      if (outcome.kind === "result") {
        markDone(sql, outcome.result, Date.now());
        await this.ctx.storage.deleteAlarm();
        log.info("async job finished", { status: outcome.result.status });
        return;
      }
      const retryable = outcome.status === 429 || outcome.status === 503;
      if (retryable && job.attempts + 1 < MAX_ATTEMPTS) {
        const afterS = Number(outcome.retryAfter ?? "1");
        const waitMs = Math.min(
          MAX_RETRY_MS,
          Math.max(MIN_RETRY_MS, Number.isFinite(afterS) ? afterS * 1000 : 1000),
        );
        markQueued(sql);
        await this.ctx.storage.setAlarm(Date.now() + waitMs);
        log.warn("async job deferred", { code: outcome.error.error.code, waitMs });
        return;
      }
      markError(
        sql,
        { status: outcome.status, body: outcome.error, retryAfter: outcome.retryAfter },
        Date.now(),
      );
      await this.ctx.storage.deleteAlarm();
      log.warn("async job rejected", { status: outcome.status, code: outcome.error.error.code });
    } catch (err) {
      markCrashed(sql, `the Worker failed while running the job: ${String(err)}`, Date.now());
      await this.ctx.storage.deleteAlarm();
      log.error("async job failed", { err });
    } finally {
      this.running = false;
    }
  }

  /** One run on the best host that has not lost this job yet. */
  private attempt(job: StoredJob, body: Uint8Array, lostOn: readonly string[]) {
    return runJob(this.env, this.isolate, {
      body,
      image: imageOf(job.request),
      timeoutMs: job.timeoutMs,
      requestId: job.requestId,
      mode: "async",
      exclude: new Set(lostOn),
    });
  }

  private deadline(job: StoredJob): number {
    return (job.startedAt ?? job.createdAt) + job.timeoutMs + RUN_GRACE_MS;
  }

  /** Ends a lost run as `crashed`; returns the job as it now stands. */
  private reconcile(job: StoredJob): StoredJob {
    if (job.state !== "running" || this.running || Date.now() < this.deadline(job)) return job;
    const message =
      "the job's run was interrupted (the runtime restarted or the run was lost) and it did not " +
      `finish within its timeout (${job.timeoutMs} ms) plus ${RUN_GRACE_MS} ms`;
    markCrashed(this.ctx.storage.sql, message, Date.now());
    this.isolate.log.warn("async job lost", { requestId: job.requestId, jobId: job.id });
    return { ...job, state: "crashed", message, finishedAt: Date.now() };
  }
}

/** The class the runtime constructs (`ctx`, `env`), bound to the isolate context `isolate` gives. */
export function defineJobRecord(isolate: () => RecordDeps) {
  return class extends JobRecord {
    constructor(ctx: DurableObjectState, env: Env) {
      super(ctx, env, isolate());
    }
  };
}
