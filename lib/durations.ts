/**
 * Durations as people write them, and back. One grammar for every option that takes a duration (the pipeline's,
 * the producer's): a number with a unit, "250ms", "30s", "1.5m", "1h", or a bare number of milliseconds ("1500",
 * "0"). Anything else is one DurationError that shows the accepted forms; callers turn it into their own kind of
 * error with the same words.
 */

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION = /^(\d+(?:\.\d*)?|\.\d+)(ms|s|m|h)?$/;

export const DURATION_FORMS = "a duration such as 500ms, 30s, 2m or 1h (a bare number is milliseconds)";

export class DurationError extends Error {
  constructor(text: string, what: string) {
    super(`invalid ${what} "${text}": expected ${DURATION_FORMS}`);
    this.name = "DurationError";
  }
}

/** "500ms", "30s", "1m", "1.5h", "1500" (milliseconds) → milliseconds, rounded to a whole one. */
export function parseDuration(text: string, what: string): number {
  const match = DURATION.exec(text.trim());
  const amount = match ? Number(match[1]) : NaN;
  if (!match || !Number.isFinite(amount)) throw new DurationError(text, what);
  return Math.round(amount * UNITS[match[2] ?? "ms"]);
}

/** 90 s → "1.5 min", 2 days → "2.0 d", for messages. */
export function describeDuration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  if (ms < 86_400_000) return `${(ms / 3_600_000).toFixed(1)} h`;
  if (ms < 365 * 86_400_000) return `${(ms / 86_400_000).toFixed(1)} d`;
  return `${(ms / (365.25 * 86_400_000)).toFixed(1)} years`;
}
