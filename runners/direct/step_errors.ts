/**
 * The last line of defence when a user's step throws on one element: the failure names the step, the input record
 * it came from (for Kafka: topic/partition@offset) and the error. With `onStepError: "fail"` (the default) the run
 * stops with that one line; with `"dead-letter"` the record goes to the runner's `deadLetter` callback (the
 * pipeline's dead-letter output, wired by pipelines/main.ts), counter STEP_ERRORS_COUNTER counts it, and the run
 * goes on.
 */
export type OnStepError = "fail" | "dead-letter";
export const ON_STEP_ERROR: readonly OnStepError[] = ["fail", "dead-letter"];

/** Counter of records routed to the dead-letter output because a step threw on them. */
export const STEP_ERRORS_COUNTER = "stepErrors";

/** What a step's failure on one source record carries. */
export interface StepFailure {
  /** The step (transform) whose code threw. */
  readonly step: string;
  /** The source's record whose processing failed (e.g. a KafkaRecord). */
  readonly record: unknown;
  /** Where the record came from, e.g. "sales_events/1@345". */
  readonly where: string;
  readonly error: unknown;
  /** One line: `step <name> threw <error> on <where>`. */
  readonly reason: string;
}

/** Thrown by an operator when the user code of its step throws; keeps the innermost step's name. */
export class StepError extends Error {
  constructor(
    readonly step: string,
    readonly error: unknown,
  ) {
    super(`step ${step} threw ${errorText(error)}`);
    this.name = "StepError";
  }
}

/** The error a run fails with (onStepError "fail"): one line saying what failed, where, and the way out. */
export class StepFailedError extends Error {
  constructor(readonly failure: StepFailure) {
    super(
      `${failure.reason}; to send such records to the dead-letter output and go on, run with ` +
        "--on-step-error=dead-letter (direct runner option onStepError: \"dead-letter\")",
    );
    this.name = "StepFailedError";
  }
}

export function errorText(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : `${String(error)}`;
  // eslint-disable-next-line no-control-regex
  const line = text.replace(/[\u0000-\u001f]+/g, " ");
  return line.length > 300 ? `${line.slice(0, 299)}…` : line;
}

/** The failure of a step on the record at `where`. */
export function stepFailure(error: unknown, fallbackStep: string, record: unknown, where: string): StepFailure {
  const step = error instanceof StepError ? error.step : fallbackStep;
  const cause = error instanceof StepError ? error.error : error;
  return { step, record, where, error: cause, reason: `step ${step} threw ${errorText(cause)} on ${where}` };
}
