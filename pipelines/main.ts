/**
 * The sales aggregation job: `npm run pipeline -- [options]` (pipelines/options.ts; `--help` lists them).
 *
 * Reads the command line and the environment once, into a frozen config; wires the IO the config names (Kafka in;
 * console, PostgreSQL and/or Parquet out, `--sinks`); runs sales_aggregation.ts on the chosen runner. With the
 * postgres sink, its tables are created (or checked) before anything is read. Exit codes: 0 after a clean end (input drained
 * with --stop-when-idle, or SIGINT/SIGTERM: stop reading, commit what is safe), 2 for a usage error, 1 for any
 * failure (one line on stderr saying what to do).
 */
import { createRunner } from "../runners";
import type { DirectPipelineResult } from "../runners/direct/runner";
import { readFromKafka } from "../transforms/kafka";
import { DEAD_LETTERS_COUNTER } from "../transforms/parse_events";
import { consoleDeadLetters, consoleLate, consoleResults } from "../transforms/sinks/console";
import { fanOut } from "../transforms/sinks/fan_out";
import { parquetSinks } from "../transforms/sinks/parquet";
import { postgresSinks, preparePostgres, type PostgresSinkOptions } from "../transforms/sinks/postgres";
import { closePools, describePgError, redactPgUrl } from "../transforms/sinks/postgres_connection";
import { DEFAULT_RETRY_POLICY } from "../transforms/sinks/backoff";
import { postgresSinkStats } from "../transforms/sinks/postgres_writer";
import type { DeadLetter } from "../transforms/parse_events";
import { runOnFlink } from "./flink_job";
import { OptionsError, helpText, parseOptions, wantsHelp, type SalesConfig } from "./options";
import { buildPipeline, type LateSale, type SalesIO, type SalesSinks, type SalesWindowResult, type Sink } from "./sales_aggregation";

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
  return {
    source: readFromKafka({
      bootstrapServers: config.bootstrapServers,
      topic: config.topic,
      groupId: config.groupId,
      from: config.from,
      ...(config.timestampField === null ? {} : { timestampField: config.timestampField }),
      watermarkDelay: config.watermarkDelay,
      idleTimeout: config.idleTimeout,
      ...(config.stopWhenIdle === null ? {} : { stopWhenIdle: config.stopWhenIdle }),
      maxBufferedRecords: config.maxBufferedRecords,
      commitInterval: config.commitInterval,
      ...(config.runner === "direct"
        ? { target: "direct" as const }
        : {
            target: "portable" as const,
            expansionService: config.flink.expansionService,
            // KafkaIO's offset commits run only with checkpoints (Flink refuses the job otherwise).
            commitOffsets: config.flink.checkpointInterval !== null,
          }),
    }),
    sinks: salesSinks(config),
  };
}

function describe(config: SalesConfig): string {
  const w = config.window;
  const window =
    w.kind === "fixed" ? `fixed ${w.size} ms` : w.kind === "sliding" ? `sliding ${w.size} ms every ${w.period} ms` : `sessions gap ${w.gap} ms`;
  const stop = config.stopWhenIdle === null ? "runs until stopped (Ctrl-C)" : `stops after ${config.stopWhenIdle} ms idle`;
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
    `pipeline: ${config.runner} runner, topic ${config.topic} at ${config.bootstrapServers.join(",")} ` +
    `(group ${config.groupId}, from ${config.from}), ${window} per ${config.key}, watermark delay ` +
    `${config.watermarkDelay} ms, allowed lateness ${config.allowedLateness} ms; sinks: ${sinks}; ${stop}`
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
  if (config.runner === "dataflow") {
    process.stderr.write(
      `pipeline: error: --runner=${config.runner} is not available yet (it comes with its own issue); use --runner=direct or flink\n`,
    );
    return 2;
  }
  process.stderr.write(describe(config) + "\n");
  const started = Date.now();
  try {
    if (config.sinks.includes("postgres")) {
      try {
        await preparePostgres(postgresOptionsOf(config));
      } catch (e) {
        process.stderr.write(
          `pipeline: error: PostgreSQL ${redactPgUrl(config.pgUrl)}, schema ${config.pgSchema}: ` +
            `${describePgError(e, config.pgUrl)} (start it with npm run stack:up, or fix --pg-url/--pg-schema)\n`,
        );
        return 1;
      }
    }
    const io = salesIO(config);
    if (config.runner === "flink") {
      const code = await runOnFlink(config, io, (line) => process.stderr.write(line + "\n"));
      const pg = postgresSinkStats();
      process.stderr.write(
        `pipeline: flink run ended after ${((Date.now() - started) / 1000).toFixed(1)} s` +
          (config.sinks.includes("postgres")
            ? `; PostgreSQL: ${pg.rowsWritten.results} result rows, ${pg.rowsWritten.late} late rows, ` +
              `${pg.rowsWritten.deadLetters} dead letters written by this process's workers\n`
            : "\n"),
      );
      return code;
    }
    const runner = createRunner({ runner: config.runner });
    const result = (await runner.run((root) => buildPipeline(root, config, io))) as DirectPipelineResult;
    const counters = await result.counters();
    const stats = result.stats();
    const pg = postgresSinkStats();
    const written = config.sinks.includes("postgres")
      ? `; PostgreSQL: ${pg.rowsWritten.results} result rows, ${pg.rowsWritten.late} late rows, ` +
        `${pg.rowsWritten.deadLetters} dead letters written in ${pg.batches} batches (${pg.retries} retries)`
      : "";
    process.stderr.write(
      `pipeline: done in ${((Date.now() - started) / 1000).toFixed(1)} s: ${stats.elementsRead} records read, ` +
        `${counters[DEAD_LETTERS_COUNTER] ?? 0} dead letters, ${counters.droppedDueToLateness ?? 0} late records ` +
        `dropped to the late-data output${written}\n`,
    );
    return 0;
  } finally {
    await closePools();
  }
}

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
      const config = (() => {
        try {
          return parseOptions(process.argv.slice(2), process.env);
        } catch {
          return undefined;
        }
      })();
      process.stderr.write(`pipeline: error: ${config ? describePgError(message, config.pgUrl) : message}\n`);
      process.exitCode = 1;
    },
  );
}
