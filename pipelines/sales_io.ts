/**
 * The sales job's IO as the config names it: Kafka in (or a generated sample), and the sinks `--sinks` chooses
 * (console, PostgreSQL, Parquet), each output fanned out to all of them. pipelines/main.ts wires these.
 */
import { readFromKafka } from "../transforms/kafka";
import { consoleDeadLetters, consoleLate, consoleResults } from "../sales/console_lines";
import { fanOut } from "../transforms/sinks/fan_out";
import { parquetSinks } from "../sales/parquet_sinks";
import { type PostgresSinkOptions } from "../transforms/sinks/postgres";
import { postgresSinks } from "../sales/postgres_sinks";
import { DEFAULT_RETRY_POLICY } from "../transforms/sinks/backoff";
import type { DeadLetter } from "../sales/parse_sales_events";
import { type LateSale } from "../sales/late_sale";
import { type SalesWindowResult } from "../sales/window_result";
import { type Sink } from "../transforms/sinks/sink";
import type { SalesConfig } from "./options";
import type { SalesIO, SalesSinks } from "./sales_aggregation";
import { salesSample } from "./sample_source";

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
