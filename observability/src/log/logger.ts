/**
 * A tiny structured logger: one JSON object per line (`ts`, `level`, `msg`, then fields) written to
 * a sink (stderr by default). Child loggers carry bound fields such as `requestId` or `jobId`.
 */

export const LOG_LEVELS = ["debug", "info", "warn", "error", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFields = Record<string, unknown>;

export interface Logger {
  readonly level: LogLevel;
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line (the child's own fields win on conflict). */
  child(fields: LogFields): Logger;
  /** Whether a line at `level` would be written. */
  enabled(level: Exclude<LogLevel, "silent">): boolean;
}

export interface LoggerOptions {
  /** Defaults to `EDGEVM_LOG_LEVEL`, then `"info"`. `"silent"` writes nothing. */
  level?: LogLevel;
  /** Same as `level: "silent"`; for tests. */
  silent?: boolean;
  /** Where each finished line (without the trailing newline) goes; stderr by default. */
  sink?: (line: string) => void;
  /** Fields bound to every line. */
  fields?: LogFields;
  /** Clock for `ts` (ISO 8601); for tests. */
  now?: () => Date;
}

const SEVERITY: Record<LogLevel, number> = {
  debug: 10,
  info: 20,
  warn: 30,
  error: 40,
  silent: 100,
};

export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === "string" && (LOG_LEVELS as readonly string[]).includes(value);
}

/** The level named by `EDGEVM_LOG_LEVEL`, or undefined when unset or not a level. */
export function levelFromEnv(
  env: Record<string, string | undefined> = hostEnv(),
): LogLevel | undefined {
  const raw = env.EDGEVM_LOG_LEVEL?.trim().toLowerCase();
  return isLogLevel(raw) ? raw : undefined;
}

/** What this module uses of Node's `process` where there is one (it also runs in workerd). */
interface NodeProcess {
  env: Record<string, string | undefined>;
  stderr: { write(text: string): unknown };
}
const nodeProcess = (globalThis as { process?: NodeProcess }).process;

function hostEnv(): Record<string, string | undefined> {
  return nodeProcess?.env ?? {};
}

/** stderr in Node; the console elsewhere (workerd prints it as is). */
function stderrSink(line: string): void {
  if (nodeProcess?.stderr) nodeProcess.stderr.write(`${line}\n`);
  else console.error(line);
}

/** Errors become `{name, message, stack}`; bigints become strings; cycles become "[Circular]". */
export function serializeLine(record: LogFields): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(record, (_key, value: unknown) => {
    if (typeof value === "bigint") return value.toString();
    if (value instanceof Error) {
      const out: LogFields = { name: value.name, message: value.message, stack: value.stack };
      const code = (value as { code?: unknown }).code;
      if (code !== undefined) out.code = code;
      if (value.cause !== undefined) out.cause = value.cause;
      return out;
    }
    if (typeof value === "object" && value !== null) {
      if (seen.has(value)) return "[Circular]";
      seen.add(value);
    }
    return value;
  });
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level: LogLevel = options.silent ? "silent" : (options.level ?? levelFromEnv() ?? "info");
  const sink = options.sink ?? stderrSink;
  const now = options.now ?? (() => new Date());
  return makeLogger(level, sink, now, options.fields ?? {});
}

/** A logger that never writes; the default for tests. */
export function silentLogger(): Logger {
  return createLogger({ silent: true });
}

function makeLogger(
  level: LogLevel,
  sink: (line: string) => void,
  now: () => Date,
  bound: LogFields,
): Logger {
  const threshold = SEVERITY[level];
  const enabled = (at: Exclude<LogLevel, "silent">): boolean => SEVERITY[at] >= threshold;
  const write = (at: Exclude<LogLevel, "silent">, msg: string, fields?: LogFields): void => {
    if (!enabled(at)) return;
    const ts = now().toISOString();
    // ts/level/msg come first and cannot be overridden by fields.
    const record: LogFields = Object.assign({ ts, level: at, msg }, bound, fields, {
      ts,
      level: at,
      msg,
    });
    let line: string;
    try {
      line = serializeLine(record);
    } catch (err) {
      line = serializeLine({ ts: record.ts, level: at, msg, logError: String(err) });
    }
    sink(line);
  };
  return {
    level,
    enabled,
    debug: (msg, fields) => write("debug", msg, fields),
    info: (msg, fields) => write("info", msg, fields),
    warn: (msg, fields) => write("warn", msg, fields),
    error: (msg, fields) => write("error", msg, fields),
    child: (fields) => makeLogger(level, sink, now, { ...bound, ...fields }),
  };
}
