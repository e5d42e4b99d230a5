/** POSIX shell quoting. */

/**
 * One shell word for any string: wrapped in single quotes, inside which the shell interprets
 * nothing; a `'` closes the quote, adds an escaped quote and reopens (`it's` → `'it'\''s'`).
 */
export function shQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** An argv as one shell command line, every word quoted. */
export function shJoin(argv: readonly string[]): string {
  return argv.map(shQuote).join(" ");
}
