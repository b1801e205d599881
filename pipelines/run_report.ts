/**
 * The closing line of a run from what its job reported (runners/running_job.ts JobResult), the same figures on
 * every runner (run_summary.ts writes them): a runner that counts its records itself (direct) gives them all; one
 * seen from outside (Flink, Dataflow) gives Beam's counters, and what they cannot say is written "unknown", with why.
 */
import type { JobResult } from "../runners";
import type { Logger } from "../ops/logger";
import { DEAD_LETTERS_COUNTER } from "../sales/parse_sales_events";
import { postgresSinkStats } from "../sales/postgres_sinks";
import type { SalesConfig } from "./options";
import { closingFields, closingLine, type ClosingFigures } from "./run_summary";

/** Logs the closing line. `stepErrors`: records a step threw on, printed as dead letters (--on-step-error=dead-letter). */
export function reportRun(config: SalesConfig, result: JobResult, seconds: number, stepErrors: number, logger: Logger): void {
  const figures = result.recordsRead !== undefined ? countedFigures(config, result, seconds, stepErrors) : outsideFigures(config, result, seconds);
  const pg = config.sinks.includes("postgres") ? { postgres: postgresSinkStats() } : {};
  logger.info({ ...closingFields(figures), ...pg }, closingLine(figures));
}

/** The direct runner's figures: records read as it counted them, dead letters from our counter and the step errors. */
function countedFigures(config: SalesConfig, result: JobResult, seconds: number, stepErrors: number): ClosingFigures {
  const pg = postgresSinkStats();
  return {
    runner: config.runner,
    seconds,
    recordsRead: result.recordsRead,
    deadLetters: (result.counters[DEAD_LETTERS_COUNTER] ?? 0) + stepErrors,
    lateDataOutput: result.counters.droppedDueToLateness ?? 0,
    suffix: postgresWritten(config, `in ${pg.batches} batches (${pg.retries} retries)`),
  };
}

/**
 * A portable runner's figures from its Beam counters: records read from the source's standard metric (KafkaIO's
 * reader), dead letters from our counter when the runner reports the TypeScript workers' counters.
 */
function outsideFigures(config: SalesConfig, result: JobResult, seconds: number): ClosingFigures {
  const counters = result.counters;
  const unknown = [
    ...(counters.elements_read === undefined ? ["records read: the source reported no elements_read metric"] : []),
    ...(counters[DEAD_LETTERS_COUNTER] === undefined ? ["dead letters: the SDK's worker reports no counters to this runner, see the dead-letter output"] : []),
  ];
  const lateOutput = (result.lateOutputs?.length ?? 0) > 0;
  return {
    runner: config.runner,
    seconds,
    recordsRead: counters.elements_read, // Beam's standard source metric (KafkaIO's reader counts each record)
    deadLetters: counters[DEAD_LETTERS_COUNTER],
    lateDataOutput: counters.droppedDueToLateness ?? 0,
    // Beam's own job server (runners/flink/late_output.ts): Flink only counts them.
    ...(config.runner === "flink" && !lateOutput ? { lateDataElsewhere: "Flink drops them: its late-data output is empty" } : {}),
    ...(unknown.length > 0 ? { unknownBecause: unknown.join("; ") } : {}),
    suffix: postgresWritten(config, "by this process's workers"),
  };
}

/** What the PostgreSQL sink wrote, for the closing line ("" without the sink). */
function postgresWritten(config: SalesConfig, how: string): string {
  if (!config.sinks.includes("postgres")) return "";
  const pg = postgresSinkStats();
  return (
    `; PostgreSQL: ${pg.rowsWritten.results} result rows, ${pg.rowsWritten.late} late rows, ` +
    `${pg.rowsWritten.deadLetters} dead letters written ${how}`
  );
}
