/**
 * The sales aggregation job: `npm run pipeline -- [options]` (pipelines/options.ts; `--help` lists them).
 *
 * Reads the command line and the environment once, into a frozen config; wires the IO the config names (Kafka in;
 * console, PostgreSQL and/or Parquet out, `--sinks`); runs sales_aggregation.ts on the chosen runner. With the
 * postgres sink, its tables are created (or checked) before anything is read. Exit codes: 0 after a clean end (input drained
 * with --stop-when-idle, or SIGINT/SIGTERM: stop reading, commit what is safe), 2 for a usage error, 1 for any
 * failure (one line on stderr saying what to do).
 */
import "apache-beam"; // load the SDK in its own order first: its modules import each other circularly
import * as fs from "fs";
import * as path from "path";
import { Pipeline } from "apache-beam/internal/pipeline";
import * as runnerApi from "apache-beam/proto/beam_runner_api";
import { Root } from "apache-beam/pvalue";
import { createRunner } from "../runners";
import { runnerConfig } from "./runner_config";
export { runnerConfig } from "./runner_config";
import type { DirectPipelineResult } from "../runners/direct/runner";
import { readFromKafka } from "../transforms/kafka";
import type { KafkaRecord } from "../transforms/kafka";
import { DEAD_LETTERS_COUNTER, deadLetterOf } from "../sales/parse_sales_events";
import { consoleDeadLetters, consoleLate, consoleResults, formatDeadLetter } from "../sales/console_lines";
import { fanOut } from "../transforms/sinks/fan_out";
import { closeParquetSinks } from "../transforms/sinks/parquet";
import { parquetSinks } from "../sales/parquet_sinks";
import { type PostgresSinkOptions } from "../transforms/sinks/postgres";
import { postgresSinks, preparePostgres } from "../sales/postgres_sinks";
import { closePools, describePgError } from "../transforms/sinks/postgres_connection";
import { redactPgUrl } from "../lib/redaction";
import { DEFAULT_RETRY_POLICY } from "../transforms/sinks/backoff";
import { sinkMetrics } from "../transforms/sinks/sink_metrics";
import { postgresSinkStats } from "../sales/postgres_sinks";
import type { DeadLetter } from "../sales/parse_sales_events";
import { runOnFlink } from "./flink_job";
import { closingFields, closingLine, type ClosingFigures } from "./run_summary";
import { OptionsError, helpText, parseOptions, wantsHelp, type SalesConfig } from "./options";
import { buildPipeline, type SalesIO, type SalesSinks } from "./sales_aggregation";
import { type LateSale } from "../sales/late_sale";
import { type SalesWindowResult } from "../sales/window_result";
import { type Sink } from "../transforms/sinks/sink";
import { salesSample } from "./sample_source";
import { createLogger } from "../ops/logger";
import type { Logger } from "../ops/logger";
import { startOpsServer, type OpsServer } from "../ops/server";
import { startProgress } from "../ops/progress";
import { DEFAULT_STALL_AFTER_MS } from "../ops/readiness";
import { checkLostOffsets, progressStores, progressWriter } from "./lost_offsets";

/** The postgres sink's options for a config. */
export function postgresOptionsOf(config: SalesConfig): PostgresSinkOptions {
  return {
    url: config.pgUrl,
    schema: config.pgSchema,
    mergingWindows: config.window.kind === "sessions",
    retry: { ...DEFAULT_RETRY_POLICY, budgetMs: config.pgRetryBudget },
  };
}

/**
 * The sinks `--sinks` names, each output fanned out to all of them. Parquet keeps results and late data only:
 * when no chosen sink keeps dead letters (console or postgres), they are printed, never dropped.
 */
export function salesSinks(config: SalesConfig): SalesSinks {
  const results: Sink<SalesWindowResult>[] = [];
  const late: Sink<LateSale>[] = [];
  const deadLetters: Sink<DeadLetter>[] = [];
  for (const name of config.sinks) {
    if (name === "console") {
      results.push(consoleResults());
      late.push(consoleLate());
      deadLetters.push(consoleDeadLetters());
    } else if (name === "postgres") {
      const pg = postgresSinks(postgresOptionsOf(config));
      results.push(pg.results);
      late.push(pg.late);
      deadLetters.push(pg.deadLetters);
    } else {
      const parquet = parquetSinks({ dir: config.parquetDir });
      results.push(parquet.results);
      late.push(parquet.late);
    }
  }
  if (deadLetters.length === 0) deadLetters.push(consoleDeadLetters());
  return {
    results: fanOut("toSinks", results),
    late: fanOut("toSinks", late),
    deadLetters: fanOut("toSinks", deadLetters),
  };
}

/** The IO the config asks for. */
export function salesIO(config: SalesConfig): SalesIO {
  const sinks = salesSinks(config);
  if (config.source === "sample") {
    return { source: salesSample({ count: config.sampleCount, seed: 1, watermarkDelay: config.watermarkDelay }), sinks };
  }
  return {
    source: readFromKafka({
      bootstrapServers: config.bootstrapServers,
      topic: config.topic,
      groupId: config.groupId,
      from: config.from,
      ...(config.timestampField === null ? {} : { timestampField: config.timestampField }),
      watermarkDelay: config.watermarkDelay,
      maxFutureSkew: config.maxFutureSkew,
      idleTimeout: config.idleTimeout,
      ...(config.stopWhenIdle === null ? {} : { stopWhenIdle: config.stopWhenIdle }),
      maxBufferedRecords: config.maxBufferedRecords,
      fetchMaxBytes: config.fetchMaxBytes,
      commitInterval: config.commitInterval,
      retryBudget: config.kafkaRetryBudget,
      ...(config.runner === "direct"
        ? { target: "direct" as const }
        : {
            target: "portable" as const,
            expansionService: config.flink.expansionService,
            // KafkaIO's offset commits run only with checkpoints (Flink refuses the job otherwise).
            commitOffsets: config.flink.checkpointInterval !== null,
          }),
    }),
    sinks,
  };
}

/** --dry-run: the pipeline proto the runner would receive, as JSON (protobuf's JSON mapping), to inspect or diff. */
export async function writePipelineJson(config: SalesConfig, io: SalesIO, file: string): Promise<number> {
  const pipeline = new Pipeline();
  // Kafka on flink expands KafkaIO through the Java expansion service: the build is asynchronous then.
  await buildPipeline(new Root(pipeline), config, io);
  const proto = pipeline.getProto();
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(runnerApi.Pipeline.toJson(proto), null, 2) + "\n");
  return Object.keys(proto.components?.transforms ?? {}).length;
}

function describe(config: SalesConfig): string {
  const w = config.window;
  const window =
    w.kind === "fixed" ? `fixed ${w.size} ms` : w.kind === "sliding" ? `sliding ${w.size} ms every ${w.period} ms` : `sessions gap ${w.gap} ms`;
  const stop = config.stopWhenIdle === null ? "runs until stopped (Ctrl-C)" : `stops after ${config.stopWhenIdle} ms idle`;
  const where = config.runner === "flink" ? ` (job server ${config.flink.jobEndpoint}, Flink ${config.flink.flinkMaster})` : "";
  const input =
    config.source === "sample"
      ? `a generated sample of ${config.sampleCount} records`
      : `topic ${config.topic} at ${config.bootstrapServers.join(",")} (group ${config.groupId}, from ${config.from})`;
  const sinks = config.sinks
    .map((name) =>
      name === "postgres"
        ? `postgres (${redactPgUrl(config.pgUrl)}, schema ${config.pgSchema})`
        : name === "parquet"
          ? `parquet (${config.parquetDir})`
          : name,
    )
    .join(", ");
  return (
    `pipeline: ${config.runner} runner${where}, ${input}, ${window} per ${config.key}, watermark delay ` +
    `${config.watermarkDelay} ms, allowed lateness ${config.allowedLateness} ms` +
    (config.source === "kafka"
      ? `, event time from ${config.timestampField === null ? "the Kafka record timestamps" : `the JSON field ${config.timestampField}`}`
      : "") +
    `; sinks: ${sinks}` +
    (config.source === "kafka" ? `; ${stop}` : "")
  );
}

export async function main(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Promise<number> {
  if (wantsHelp(argv)) {
    process.stdout.write((await helpText()) + "\n");
    return 0;
  }
  let config: SalesConfig;
  try {
    config = parseOptions(argv, env);
  } catch (e) {
    if (e instanceof OptionsError) {
      process.stderr.write(`pipeline: error: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
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
  if (config.sinks.includes("postgres")) {
    try {
      await preparePostgres(postgresOptionsOf(config));
    } catch (e) {
      process.stderr.write(
        `pipeline: error: PostgreSQL ${redactPgUrl(config.pgUrl)}, schema ${config.pgSchema}: ` +
          `${describePgError(e, config.pgUrl)} (start it with npm run stack:up, or fix --pg-url/--pg-schema)\n`,
      );
      await closePools();
      return 1;
    }
  }
  try {
    const code = await run(config, io, started, logger);
    // The Parquet sink's last staged rows (durable already, in its staging log) become files now.
    if (config.sinks.includes("parquet")) await closeParquetSinks();
    return code;
  } finally {
    await closePools();
  }
}

async function run(config: SalesConfig, io: SalesIO, started: number, logger: Logger): Promise<number> {
  let stepErrors = 0;
  if (config.runner === "flink" && config.source === "kafka") return runFlinkKafka(config, io, started, logger);
  if (config.runner !== "direct") return runPortable(config, io, logger, started);
  const stores = config.source === "kafka" ? progressStores(config) : [];
  const warn = (line: string): void => void process.stderr.write(line + "\n");
  await checkLostOffsets(config, stores, warn);
  // The group's offsets recorded in the sinks inside each commit, as soon as the broker took it.
  const recordCommit = progressWriter(config, stores, warn);
  const runner = createRunner({
    ...runnerConfig(config),
    ...(stores.length === 0 ? {} : { onCommitted: (topic: string, offsets: ReadonlyMap<number, number>) => (topic === config.topic ? recordCommit(offsets) : Promise.resolve()) }),
    onStepError: config.onStepError,
    // The sinks' figures (rows written, retries, readiness) enter the run snapshot: metrics, /readyz, status page.
    sinkFigures: () => sinkMetrics().snapshot(),
    // --on-step-error=dead-letter: the record a step threw on is printed as a dead letter, as parse failures are.
    deadLetter: (failure) => {
      stepErrors++;
      const record = failure.record as KafkaRecord;
      process.stdout.write(formatDeadLetter(deadLetterOf(record, failure.reason)) + "\n");
    },
  });
  const result = (await runner.runAsync((root) => buildPipeline(root, config, io))) as DirectPipelineResult;
  let ops: OpsServer | undefined;
  if (config.metricsPort !== null) {
    try {
      ops = await startOpsServer({
        port: config.metricsPort,
        snapshot: () => result.snapshot(),
        stallAfterMs: Math.max(DEFAULT_STALL_AFTER_MS, 2 * config.idleTimeout),
      });
    } catch (e) {
      await result.stop().catch(() => undefined);
      throw new Error(
        `cannot serve metrics on port ${config.metricsPort} (${e instanceof Error ? e.message : String(e)}): ` +
          `pass another --metrics-port (0 picks a free one)`,
      );
    }
    logger.info({ url: `${ops.url}/`, metrics: `${ops.url}/metrics` }, `status page ${ops.url}/ (metrics at ${ops.url}/metrics)`);
  }
  const progress = startProgress({ snapshot: () => result.snapshot(), interactive: process.stderr.isTTY === true, logger });
  try {
    await result.waitUntilFinish();
  } finally {
    progress.stop();
    await ops?.close();
  }
  const counters = await result.counters();
  const pg = postgresSinkStats();
  const figures: ClosingFigures = {
    runner: config.runner,
    seconds: (Date.now() - started) / 1000,
    recordsRead: result.stats().elementsRead,
    deadLetters: (counters[DEAD_LETTERS_COUNTER] ?? 0) + stepErrors,
    lateDataOutput: counters.droppedDueToLateness ?? 0,
    suffix: postgresWritten(config, `in ${pg.batches} batches (${pg.retries} retries)`),
  };
  logger.info({ ...closingFields(figures), ...(config.sinks.includes("postgres") ? { postgres: pg } : {}) }, closingLine(figures));
  return 0;
}

/**
 * The closing figures of a portable runner from its Beam counters: records read from the source's standard metric
 * (KafkaIO's reader), dead letters from our counter when the runner reports the TypeScript workers' counters.
 */
function portableFigures(
  config: SalesConfig,
  started: number,
  counters: Readonly<Record<string, number>>,
  suffix: string,
  lateOutput: boolean,
): ClosingFigures {
  const unknown = [
    ...(counters.elements_read === undefined ? ["records read: the source reported no elements_read metric"] : []),
    ...(counters[DEAD_LETTERS_COUNTER] === undefined ? ["dead letters: the SDK's worker reports no counters to this runner, see the dead-letter output"] : []),
  ];
  return {
    runner: config.runner,
    seconds: (Date.now() - started) / 1000,
    recordsRead: counters.elements_read, // Beam's standard source metric (KafkaIO's reader counts each record)
    deadLetters: counters[DEAD_LETTERS_COUNTER],
    lateDataOutput: counters.droppedDueToLateness ?? 0,
    // Beam's own job server (runners/flink/late_output.ts): Flink only counts them.
    ...(config.runner === "flink" && !lateOutput ? { lateDataElsewhere: "Flink drops them: its late-data output is empty" } : {}),
    ...(unknown.length > 0 ? { unknownBecause: unknown.join("; ") } : {}),
    suffix,
  };
}

/**
 * flink and dataflow: submit, wait, and report what the runner can say (Flink: Beam's droppedDueToLateness; the
 * SDK's portable worker reports no user counters, so dead letters are on their output only).
 */
async function runPortable(config: SalesConfig, io: SalesIO, logger: Logger, started: number): Promise<number> {
  const runner = createRunner(runnerConfig(config));
  const result = await runner.run((root) => buildPipeline(root, config, io));
  // FlinkPipelineResult.lateOutputs: the windowed combines whose late records Flink reported (late_output.ts).
  const lateOutput = ((result as { lateOutputs?: readonly string[] }).lateOutputs?.length ?? 0) > 0;
  const figures = portableFigures(config, started, await result.counters(), "", lateOutput);
  logger.info(closingFields(figures), closingLine(figures));
  return 0;
}

/** The sales job on Flink reading Kafka (pipelines/flink_job.ts: submission, stop when idle, cancel). */
async function runFlinkKafka(config: SalesConfig, io: SalesIO, started: number, logger: Logger): Promise<number> {
  const { code, counters, lateOutput } = await runOnFlink(config, io, (line) => process.stderr.write(line + "\n"));
  const figures = portableFigures(config, started, counters, postgresWritten(config, "by this process's workers"), lateOutput);
  logger.info(closingFields(figures), closingLine(figures));
  return code;
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

/** How long a failed run may take to release its clients after its error line. */
const FATAL_EXIT_GRACE_MS = 2_000;

function parseOptionsQuietly(): SalesConfig | undefined {
  try {
    return parseOptions(process.argv.slice(2), process.env);
  } catch {
    return undefined;
  }
}

if (require.main === module) {
  main(process.argv.slice(2), process.env).then(
    (code) => {
      process.exitCode = code;
      // On Flink the SDK's LOOPBACK worker server may outlive a cancelled job: leave once the output is flushed.
      if (parseOptionsQuietly()?.runner === "flink") setTimeout(() => process.exit(code), 200).unref();
    },
    (e: unknown) => {
      // One line, never the PostgreSQL password (the sink's errors are redacted already; this is a last guard).
      const message = (e instanceof Error ? e.message : String(e)).replace(/\s*\n\s*/g, " ");
      const config = parseOptionsQuietly();
      process.stderr.write(`pipeline: error: ${config ? describePgError(message, config.pgUrl) : message}\n`);
      process.exitCode = 1;
      // The error is said: whatever still holds the event loop (a client retrying a server that is gone, a failed
      // Flink job's LOOPBACK worker retrying its data channel) must not keep a failed run alive past a few seconds.
      setTimeout(() => process.exit(1), FATAL_EXIT_GRACE_MS).unref();
    },
  );
}
