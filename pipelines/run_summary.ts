/**
 * The closing line of a run, the same figures on every runner:
 *
 *   pipeline: done in 12.3 s on direct: 4000 records read, 40 dead letters, 27 records to the late-data output (droppedDueToLateness)
 *
 * A figure the runner cannot report is written "unknown", with the reason once at the end, never left out.
 */
export interface ClosingFigures {
  readonly runner: string;
  readonly seconds: number;
  /** Records the source handed to the pipeline; undefined: not reported by the runner. */
  readonly recordsRead: number | undefined;
  /** Records that are not a valid sale (the dead-letter output); undefined: not reported. */
  readonly deadLetters: number | undefined;
  /** Records too late for every window they belong to (Beam's droppedDueToLateness); undefined: not reported. */
  readonly lateDataOutput: number | undefined;
  /** Where the too-late records went when not to the late-data output (e.g. "Flink drops them"). */
  readonly lateDataElsewhere?: string;
  /** Why the undefined figures are unknown. */
  readonly unknownBecause?: string;
  /** What follows, e.g. the rows the PostgreSQL sink wrote ("; PostgreSQL: …"). */
  readonly suffix?: string;
}

/** Beam's counter of records too late for every window (the late-data output's records). */
const DROPPED_DUE_TO_LATENESS = "droppedDueToLateness";

export function closingLine(f: ClosingFigures): string {
  const figure = (n: number | undefined, what: string): string => `${n === undefined ? "unknown" : n} ${what}`;
  const unknown = [f.recordsRead, f.deadLetters, f.lateDataOutput].some((n) => n === undefined);
  return (
    `pipeline: done in ${f.seconds.toFixed(1)} s on ${f.runner}: ${figure(f.recordsRead, "records read")}, ` +
    `${figure(f.deadLetters, "dead letters")}, ` +
    (f.lateDataElsewhere === undefined
      ? figure(f.lateDataOutput, `records to the late-data output (${DROPPED_DUE_TO_LATENESS})`)
      : figure(f.lateDataOutput, `records too late for their windows (${DROPPED_DUE_TO_LATENESS}; ${f.lateDataElsewhere})`)) +
    (unknown && f.unknownBecause !== undefined ? ` [unknown: ${f.unknownBecause}]` : "") +
    (f.suffix ?? "")
  );
}

/** The closing line's figures as log fields (the JSON log line carries them as numbers, null when unknown). */
export function closingFields(f: ClosingFigures): Record<string, number | string | null> {
  return {
    runner: f.runner,
    seconds: Math.round(f.seconds * 10) / 10,
    recordsRead: f.recordsRead ?? null,
    deadLetters: f.deadLetters ?? null,
    [DROPPED_DUE_TO_LATENESS]: f.lateDataOutput ?? null,
  };
}
