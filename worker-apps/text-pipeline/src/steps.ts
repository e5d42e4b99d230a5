/**
 * The fixed step vocabulary. A step is a spec string (`grep:error`, `sort -n`, `head:10`, …) that
 * maps to one argv; user text only ever becomes a single argv entry, never shell code.
 */

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

export interface Step {
  /** the spec as given */
  step: string;
  argv: string[];
  description: string;
}

export const MAX_ARG_CHARS = 1024;
const COUNT = /^[1-9][0-9]{0,6}$/;

/** Steps without an argument. */
const FIXED: Record<string, { argv: string[]; description: string }> = {
  sort: { argv: ["sort"], description: "sort lines" },
  "sort -n": { argv: ["sort", "-n"], description: "sort lines numerically" },
  "sort -r": { argv: ["sort", "-r"], description: "sort lines in reverse" },
  "sort -nr": { argv: ["sort", "-n", "-r"], description: "sort lines numerically, largest first" },
  uniq: { argv: ["uniq"], description: "drop repeated adjacent lines" },
  "uniq -c": { argv: ["uniq", "-c"], description: "count repeated adjacent lines" },
  wc: { argv: ["wc"], description: "count lines, words and bytes" },
  "wc -l": { argv: ["wc", "-l"], description: "count lines" },
  "tr-lower": { argv: ["tr", "A-Z", "a-z"], description: "lower-case ASCII letters" },
  "tr-upper": { argv: ["tr", "a-z", "A-Z"], description: "upper-case ASCII letters" },
};

/** Steps `name:<argument>`. */
const WITH_ARG: Record<string, (arg: string) => Parsed<{ argv: string[]; description: string }>> = {
  grep: (p) => ok(["grep", "-e", p], `keep lines matching the regex ${JSON.stringify(p)}`),
  "grep-i": (p) =>
    ok(["grep", "-i", "-e", p], `keep lines matching ${JSON.stringify(p)}, ignoring case`),
  "grep-v": (p) => ok(["grep", "-v", "-e", p], `drop lines matching ${JSON.stringify(p)}`),
  head: (n) => (COUNT.test(n) ? ok(["head", "-n", n], `keep the first ${n} lines`) : badCount()),
  tail: (n) => (COUNT.test(n) ? ok(["tail", "-n", n], `keep the last ${n} lines`) : badCount()),
  sed: (expr) => {
    const problem = checkSubstitution(expr);
    if (problem !== undefined) return { ok: false, message: problem };
    return ok(["sed", "-e", expr], `replace with sed ${JSON.stringify(expr)}`);
  },
};

export const VOCABULARY = [
  ...Object.keys(WITH_ARG).map((name) =>
    name === "head" || name === "tail"
      ? `${name}:<n>`
      : `${name}:<${name === "sed" ? "s/a/b/" : "regex"}>`,
  ),
  ...Object.keys(FIXED),
];

function ok(argv: string[], description: string): Parsed<{ argv: string[]; description: string }> {
  return { ok: true, value: { argv, description } };
}

function badCount(): Parsed<never> {
  return { ok: false, message: "needs a whole number of lines from 1 to 9999999" };
}

/**
 * Only one sed `s` command: `s<d>pattern<d>replacement<d>flags` with a delimiter that is not a
 * backslash or alphanumeric and flags from `g`, `i`, `I` and a number — no `e` (execute), `w`
 * (write a file), `p` or a second command. Returns the problem, or undefined when fine.
 */
export function checkSubstitution(expr: string): string | undefined {
  const delimiter = expr[1];
  if (expr[0] !== "s" || delimiter === undefined || /[\\\w\s]/.test(delimiter)) {
    return "must be one substitution s/pattern/replacement/flags";
  }
  let parts = 0;
  let i = 2;
  for (; i < expr.length && parts < 2; i++) {
    if (expr[i] === "\\") i++;
    else if (expr[i] === delimiter) parts++;
  }
  if (parts < 2) return "must be one substitution s/pattern/replacement/flags";
  const flags = expr.slice(i);
  if (!/^(?:[giI]|[1-9][0-9]{0,3})*$/.test(flags)) {
    return `flags ${JSON.stringify(flags)} are not allowed: use g, i, I or a number`;
  }
  return undefined;
}

/** One spec into a step, or why it is not one. */
export function parseStep(spec: string): Parsed<Step> {
  const fail = (why: string): Parsed<never> => ({
    ok: false,
    message: `step ${JSON.stringify(spec)}: ${why}`,
  });
  if (/[\0\r\n]/.test(spec)) return fail("must be one line without NUL characters");
  const fixed = FIXED[spec.trim()];
  if (fixed !== undefined)
    return { ok: true, value: { step: spec, ...fixed, argv: [...fixed.argv] } };
  const colon = spec.indexOf(":");
  const build = colon > 0 ? WITH_ARG[spec.slice(0, colon)] : undefined;
  if (build === undefined) return fail(`unknown step: use one of ${VOCABULARY.join(", ")}`);
  const arg = spec.slice(colon + 1);
  if (arg === "") return fail("needs an argument after the colon");
  if (arg.length > MAX_ARG_CHARS)
    return fail(`the argument must be at most ${MAX_ARG_CHARS} characters`);
  const built = build(arg);
  return built.ok ? { ok: true, value: { step: spec, ...built.value } } : fail(built.message);
}
