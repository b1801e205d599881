/**
 * The sales aggregation job: `npm run pipeline -- [options]` (pipelines/options.ts; `--help` lists them).
 *
 * One path on every runner: parse (the command line and the environment, once, into a frozen config) → wire (the
 * IO the config names: Kafka in; console, PostgreSQL and/or Parquet out, `--sinks`) → prepare the sinks (the
 * PostgreSQL tables created or checked before anything is read; offsets the broker lost) → start (runners/index.ts
 * `startJob`: a RunningJob, whatever the runner) → attach ops (status page and metrics with --metrics-port, the
 * progress line, the sinks' record of commits) → wait → report (the closing line). Exit codes: 0 after a clean end
 * (input drained with --stop-when-idle, or SIGINT/SIGTERM: stop reading, commit what is safe), 2 for a usage
 * error, 1 for any failure (one line on stderr saying what to do).
 */
import "apache-beam"; // load the SDK in its own order first: its modules import each other circularly
import { startJob, type JobResult, type RunningJob } from "../runners";
import { jobConfig } from "./runner_config";
export { runnerConfig } from "./runner_config";
import type { KafkaRecord } from "../transforms/kafka";
import { deadLetterOf } from "../sales/parse_sales_events";
import { formatDeadLetter } from "../sales/console_lines";
import { closeParquetSinks } from "../transforms/sinks/parquet";
import { preparePostgres } from "../sales/postgres_sinks";
import { closePools, describePgError } from "../transforms/sinks/postgres_connection";
import { redactPgUrl } from "../lib/redaction";
import { sinkMetrics } from "../transforms/sinks/sink_metrics";
import type { ProgressStore } from "../sales/source_progress";
import { OptionsError, helpText, parseOptions, wantsHelp, type SalesConfig } from "./options";
import { buildPipeline } from "./sales_aggregation";
import { postgresOptionsOf, salesIO } from "./sales_io";
import { writePipelineJson } from "./dry_run";
import { describe } from "./describe_run";
import { reportRun } from "./run_report";
import { createLogger, type Logger } from "../ops/logger";
import { startOpsServer, type OpsServer } from "../ops/server";
import { startProgress } from "../ops/progress";
import { DEFAULT_STALL_AFTER_MS } from "../ops/readiness";
import { checkLostOffsets, progressStores, progressWriter } from "./lost_offsets";
import { guardFlinkOffsets } from "./flink_progress";

/** The run: `argv` and `env` read once; resolves with the exit code, rejects with a failure (one line). */
export async function main(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Promise<number> {
  const parsed = await parse(argv, env);
  return typeof parsed === "number" ? parsed : runSalesJob(parsed);
}

/** The config, or the exit code when there is nothing to run (--help: 0; a usage error, said in one line: 2). */
async function parse(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Promise<SalesConfig | number> {
  if (wantsHelp(argv)) {
    process.stdout.write((await helpText()) + "\n");
    return 0;
  }
  try {
    return parseOptions(argv, env);
  } catch (e) {
    if (!(e instanceof OptionsError)) throw e;
    process.stderr.write(`pipeline: error: ${e.message}\n`);
    return 2;
  }
}

/** wire → prepare sinks → start → attach ops → wait → report. */
export async function runSalesJob(config: SalesConfig): Promise<number> {
  const io = salesIO(config);
  if (config.dryRun !== null) {
    const transforms = await writePipelineJson(config, io, config.dryRun);
    process.stderr.write(`pipeline: wrote the pipeline proto (${transforms} transforms) as JSON to ${config.dryRun}; nothing was run\n`);
    return 0;
  }
  // Logs go to stderr (readable on a terminal, JSON when redirected; --log-format); stdout carries only what the
  // console sink prints.
  const logger = createLogger({ level: config.logLevel, format: config.logFormat });
  logger.info(describe(config));
  logger.debug({ config }, "config"); // the whole config, at debug; pgUrl's password is redacted by the logger
  const started = Date.now();
  try {
    const stores = await prepareSinks(config);
    if (stores === undefined) return 1;
    // The group's offsets recorded in the sinks inside each commit, as soon as the broker took it (direct runner).
    const recordCommit = progressWriter(config, stores, warn);
    let stepErrors = 0;
    const job = await startJob(
      jobConfig(config, {
        // The sinks' figures (rows written, retries, readiness) enter the run snapshot: metrics, /readyz, status page.
        sinkFigures: () => sinkMetrics().snapshot(),
        // --on-step-error=dead-letter: the record a step threw on is printed as a dead letter, as parse failures are.
        deadLetter: (failure) => {
          stepErrors++;
          process.stdout.write(formatDeadLetter(deadLetterOf(failure.record as KafkaRecord, failure.reason)) + "\n");
        },
        ...(stores.length === 0
          ? {}
          : { onCommitted: (topic: string, offsets: ReadonlyMap<number, number>) => (topic === config.topic ? recordCommit(offsets) : Promise.resolve()) }),
        // On Flink: the lost-offsets check before submission, and the record of KafkaIO's commits while it runs.
        beforeFlinkSubmit: (restoredFrom) => guardFlinkOffsets(config, restoredFrom, warn),
      }),
      (root) => buildPipeline(root, config, io),
    );
    const result = await watch(config, job, logger);
    reportRun(config, result, (Date.now() - started) / 1000, stepErrors, logger);
    // The Parquet sink's last staged rows (durable already, in its staging log) become files now.
    if (config.sinks.includes("parquet")) await closeParquetSinks();
    return 0;
  } finally {
    await closePools();
  }
}

/**
 * The PostgreSQL tables (created or checked; undefined after its one line when the database refuses), then the
 * sinks' record of the group's offsets: checked against the broker's (a LostOffsetsError stops the run), and
 * returned to be kept up to date while the job runs (direct runner reading Kafka; none otherwise).
 */
async function prepareSinks(config: SalesConfig): Promise<readonly ProgressStore[] | undefined> {
  if (config.sinks.includes("postgres")) {
    try {
      await preparePostgres(postgresOptionsOf(config));
    } catch (e) {
      process.stderr.write(
        `pipeline: error: PostgreSQL ${redactPgUrl(config.pgUrl)}, schema ${config.pgSchema}: ` +
          `${describePgError(e, config.pgUrl)} (start it with npm run stack:up, or fix --pg-url/--pg-schema)\n`,
      );
      return undefined;
    }
  }
  const stores = config.runner === "direct" && config.source === "kafka" ? progressStores(config) : [];
  await checkLostOffsets(config, stores, warn);
  return stores;
}

/** Attaches the ops server (--metrics-port) and the progress line to the job; waits for its end. */
async function watch(config: SalesConfig, job: RunningJob, logger: Logger): Promise<JobResult> {
  const snapshot = () => job.snapshot();
  const ops = config.metricsPort === null ? undefined : await serveOps(config, job, logger);
  const progress = startProgress({ snapshot, interactive: process.stderr.isTTY === true, logger });
  try {
    return await job.result;
  } finally {
    progress.stop();
    await ops?.close();
  }
}

/** The status page and metrics on --metrics-port; a port that cannot be had stops the job and says which to pass. */
async function serveOps(config: SalesConfig, job: RunningJob, logger: Logger): Promise<OpsServer> {
  let ops: OpsServer;
  try {
    ops = await startOpsServer({
      port: config.metricsPort ?? 0,
      snapshot: () => job.snapshot(),
      stallAfterMs: Math.max(DEFAULT_STALL_AFTER_MS, 2 * config.idleTimeout),
    });
  } catch (e) {
    await job.stop();
    throw new Error(
      `cannot serve metrics on port ${config.metricsPort} (${e instanceof Error ? e.message : String(e)}): ` +
        `pass another --metrics-port (0 picks a free one)`,
    );
  }
  logger.info({ url: `${ops.url}/`, metrics: `${ops.url}/metrics` }, `status page ${ops.url}/ (metrics at ${ops.url}/metrics)`);
  return ops;
}

function warn(line: string): void {
  process.stderr.write(line + "\n");
}

/** How long a failed run may take to release its clients after its error line. */
const FATAL_EXIT_GRACE_MS = 2_000;

/** `npm run pipeline`: main's steps with the config parsed once, and the process's exit around them. */
async function commandLine(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Promise<void> {
  let config: SalesConfig | undefined;
  try {
    const parsed = await parse(argv, env);
    if (typeof parsed === "number") {
      process.exitCode = parsed;
      return;
    }
    config = parsed;
    const code = await runSalesJob(config);
    process.exitCode = code;
    // On Flink the SDK's LOOPBACK worker server may outlive a cancelled job: leave once the output is flushed.
    if (config.runner === "flink") setTimeout(() => process.exit(code), 200).unref();
  } catch (e) {
    // One line, never the PostgreSQL password (the sink's errors are redacted already; this is a last guard).
    const message = (e instanceof Error ? e.message : String(e)).replace(/\s*\n\s*/g, " ");
    process.stderr.write(`pipeline: error: ${config ? describePgError(message, config.pgUrl) : message}\n`);
    process.exitCode = 1;
    // The error is said: whatever still holds the event loop (a client retrying a server that is gone, a failed
    // Flink job's LOOPBACK worker retrying its data channel) must not keep a failed run alive past a few seconds.
    setTimeout(() => process.exit(1), FATAL_EXIT_GRACE_MS).unref();
  }
}

if (require.main === module) void commandLine(process.argv.slice(2), process.env);
