/**
 * The sales aggregation job: `npm run pipeline -- [options]` (pipelines/options.ts; `--help` lists them).
 *
 * Reads the command line and the environment once, into a frozen config; wires the IO the config names (Kafka in,
 * console out); runs sales_aggregation.ts on the chosen runner. Exit codes: 0 after a clean end (input drained
 * with --stop-when-idle, or SIGINT/SIGTERM: stop reading, commit what is safe), 2 for a usage error, 1 for any
 * failure (one line on stderr saying what to do).
 */
import { createRunner } from "../runners";
import type { DirectPipelineResult } from "../runners/direct/runner";
import { readFromKafka } from "../transforms/kafka";
import type { KafkaRecord } from "../transforms/kafka";
import { DEAD_LETTERS_COUNTER, deadLetterOf } from "../transforms/parse_events";
import { consoleDeadLetters, consoleLate, consoleResults, formatDeadLetter } from "../transforms/sinks/console";
import { OptionsError, helpText, parseOptions, wantsHelp, type SalesConfig } from "./options";
import { buildPipeline, type SalesIO } from "./sales_aggregation";
import { createLogger } from "../ops/logger";
import { startOpsServer, type OpsServer } from "../ops/server";
import { startProgress } from "../ops/progress";
import { DEFAULT_STALL_AFTER_MS } from "../ops/readiness";

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
      maxFutureSkew: config.maxFutureSkew,
      idleTimeout: config.idleTimeout,
      ...(config.stopWhenIdle === null ? {} : { stopWhenIdle: config.stopWhenIdle }),
      maxBufferedRecords: config.maxBufferedRecords,
      commitInterval: config.commitInterval,
      target: config.runner === "direct" ? "direct" : "portable",
    }),
    sinks: { results: consoleResults(), late: consoleLate(), deadLetters: consoleDeadLetters() },
  };
}

function describe(config: SalesConfig): string {
  const w = config.window;
  const window =
    w.kind === "fixed" ? `fixed ${w.size} ms` : w.kind === "sliding" ? `sliding ${w.size} ms every ${w.period} ms` : `sessions gap ${w.gap} ms`;
  const stop = config.stopWhenIdle === null ? "runs until stopped (Ctrl-C)" : `stops after ${config.stopWhenIdle} ms idle`;
  return (
    `pipeline: ${config.runner} runner, topic ${config.topic} at ${config.bootstrapServers.join(",")} ` +
    `(group ${config.groupId}, from ${config.from}), ${window} per ${config.key}, watermark delay ` +
    `${config.watermarkDelay} ms, allowed lateness ${config.allowedLateness} ms, event time from ` +
    `${config.timestampField === null ? "the Kafka record timestamps" : `the JSON field ${config.timestampField}`}; ${stop}`
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
  if (config.runner !== "direct") {
    process.stderr.write(
      `pipeline: error: --runner=${config.runner} is not available yet (it comes with its own issue); use --runner=direct\n`,
    );
    return 2;
  }
  // Logs go to stderr (JSON unless stdout is a terminal); stdout carries only what the console sink prints.
  const logger = createLogger({ level: config.logLevel });
  logger.info({ config }, describe(config)); // pgUrl's password is redacted by the logger
  const started = Date.now();
  let stepErrors = 0;
  const runner = createRunner({
    runner: config.runner,
    onStepError: config.onStepError,
    // --on-step-error=dead-letter: the record a step threw on is printed as a dead letter, as parse failures are.
    deadLetter: (failure) => {
      stepErrors++;
      const record = failure.record as KafkaRecord;
      process.stdout.write(formatDeadLetter(deadLetterOf(record, failure.reason)) + "\n");
    },
  });
  const io = salesIO(config);
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
  const stats = result.stats();
  logger.info(
    {
      seconds: Math.round((Date.now() - started) / 100) / 10,
      recordsRead: stats.elementsRead,
      deadLetters: counters[DEAD_LETTERS_COUNTER] ?? 0,
      droppedDueToLateness: counters.droppedDueToLateness ?? 0,
    },
    `pipeline: done in ${((Date.now() - started) / 1000).toFixed(1)} s: ${stats.elementsRead} records read, ` +
      `${(counters[DEAD_LETTERS_COUNTER] ?? 0) + stepErrors} dead letters, ${counters.droppedDueToLateness ?? 0} late records ` +
      `dropped to the late-data output`,
  );
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2), process.env).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`pipeline: error: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
