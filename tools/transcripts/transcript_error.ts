/**
 * An error in a transcript file, pointing at the place that caused it. `line` and `column` are 1-based; either
 * may be unknown (0) when the cause has no single place (for example an output left unmatched at the end).
 */
export class TranscriptError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly detail: string,
  ) {
    super(`${formatPlace(file, line, column)}: ${detail}`);
    this.name = "TranscriptError";
  }
}

/** `file:line:column`, leaving out what is unknown. */
export function formatPlace(file: string, line: number, column: number): string {
  if (line <= 0) return file;
  if (column <= 0) return `${file}:${line}`;
  return `${file}:${line}:${column}`;
}
