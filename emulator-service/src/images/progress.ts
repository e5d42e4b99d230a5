/** Progress events of an image build and a console reporter for them. */

export interface ImageProgress {
  image: string;
  /** 1-based step number. */
  step: number;
  steps: number;
  label: string;
  /** 0..100 while a long step runs; 100 when it is done. */
  percent?: number;
  /** Set on the event that ends a step. */
  done?: boolean;
  /** Duration of the step, on the event that ends it. */
  elapsedMs?: number;
}

export type ProgressListener = (event: ImageProgress) => void;

export function formatProgress(e: ImageProgress): string {
  const head = `[image ${e.image}] ${e.step}/${e.steps} ${e.label}`;
  if (e.done) {
    const took = e.elapsedMs === undefined ? "" : ` (${(e.elapsedMs / 1000).toFixed(2)} s)`;
    return `${head} … done${took}`;
  }
  if (e.percent !== undefined) return `${head} … ${Math.floor(e.percent)}%`;
  return `${head} …`;
}

export interface ReporterOptions {
  stream?: { write(text: string): unknown; isTTY?: boolean };
  /** Rewrite one line in place. Default: the stream is a TTY and `CI` is not set. */
  interactive?: boolean;
}

/**
 * A listener that prints progress. Interactive: one line per step, rewritten in place with `\r`.
 * Otherwise (CI, logs): a line when a step starts, at each 25 % it crosses, and when a step that
 * reported percentages or took a second or more ends.
 */
export function createConsoleReporter(options: ReporterOptions = {}): ProgressListener {
  const stream = options.stream ?? process.stderr;
  const ci = process.env.CI !== undefined && process.env.CI !== "" && process.env.CI !== "false";
  const interactive = options.interactive ?? (stream.isTTY === true && !ci);
  let current = "";
  let quarter = 0;
  let hadPercent = false;
  let open = false;

  return (e) => {
    const key = `${e.image}/${e.step}`;
    const line = formatProgress(e);
    if (interactive) {
      if (open && key !== current) stream.write("\n");
      stream.write(`\r\x1b[K${line}`);
      open = !e.done;
      if (e.done) stream.write("\n");
      current = key;
      return;
    }
    if (key !== current) {
      current = key;
      quarter = 0;
      hadPercent = false;
      if (!e.done) {
        stream.write(`${formatProgress({ ...e, percent: undefined })}\n`);
      }
    }
    if (e.done) {
      if (hadPercent || (e.elapsedMs ?? 0) >= 1000 || e.steps === 1) stream.write(`${line}\n`);
      current = "";
      return;
    }
    if (e.percent !== undefined) {
      hadPercent = true;
      const q = Math.min(3, Math.floor(e.percent / 25));
      if (q > quarter) {
        quarter = q;
        stream.write(`${formatProgress({ ...e, percent: q * 25 })}\n`);
      }
    }
  };
}
