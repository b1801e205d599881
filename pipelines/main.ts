/**
 * The sales aggregation job: `npm run pipeline -- [options]` (pipelines/options.ts; `--help` lists them).
 *
 * Reads the command line and the environment once, into a frozen config; wires the IO the config names (Kafka in,
 * console out); runs sales_aggregation.ts on the chosen runner. Exit codes: 0 after a clean end (input drained
 * with --stop-when-idle, or SIGINT/SIGTERM: stop reading, commit what is safe), 2 for a usage error, 1 for any
 * failure (one line on stderr saying what to do).
 */
import "apache-beam"; // load the SDK in its own order first: its modules import each other circularly
import * as fs from "fs";
import * as path from "path";
import { Pipeline } from "apache-beam/internal/pipeline";
import * as runnerApi from "apache-beam/proto/beam_runner_api";
import { Root } from "apache-beam/pvalue";
import { createRunner, type RunnerConfig } from "../runners";
import type { DirectPipelineResult } from "../runners/direct/runner";
import { readFromKafka } from "../transforms/kafka";
import type { KafkaRecord } from "../transforms/kafka";
import { DEAD_LETTERS_COUNTER, deadLetterOf } from "../transforms/parse_events";
import { consoleDeadLetters, consoleLate, consoleResults, formatDeadLetter } from "../transforms/sinks/console";
import { OptionsError, helpText, parseOptions, wantsHelp, type SalesConfig } from "./options";
import { buildPipeline, type SalesIO } from "./sales_aggregation";
import { salesSample } from "./sample_source";
import { createLogger } from "../ops/logger";
import type { Logger } from "../ops/logger";
import { startOpsServer, type OpsServer } from "../ops/server";
import { startProgress } from "../ops/progress";
import { DEFAULT_STALL_AFTER_MS } from "../ops/readiness";

/** The IO the config asks for. */
export function salesIO(config: SalesConfig): SalesIO {
  const sinks = { results: consoleResults(), late: consoleLate(), deadLetters: consoleDeadLetters() };
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
      commitInterval: config.commitInterval,
      target: config.runner === "direct" ? "direct" : "portable",
    }),
    sinks,
  };
}

/** The runner's options from the config (each runner reads its own). */
export function runnerConfig(config: SalesConfig): RunnerConfig {
  const f = config.flink;
  const d = config.dataflow;
  return {
    runner: config.runner,
    flinkMaster: f.flinkMaster,
    jobEndpoint: f.jobEndpoint,
    ...(f.parallelism !== null ? { parallelism: f.parallelism } : {}),
    ...(f.workerPool !== null ? { environment: "EXTERNAL" as const, workerPool: f.workerPool } : {}),
    ...(d.project !== null ? { project: d.project } : {}),
    ...(d.region !== null ? { region: d.region } : {}),
    ...(d.tempLocation !== null ? { tempLocation: d.tempLocation } : {}),
  };
}

/** --dry-run: the pipeline proto the runner would receive, as JSON (protobuf's JSON mapping), to inspect or diff. */
export function writePipelineJson(config: SalesConfig, io: SalesIO, file: string): number {
  const pipeline = new Pipeline();
  buildPipeline(new Root(pipeline), config, io);
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
      ? `a generated sample of ${config.sampleCount} records (Kafka on ${config.runner} comes with its own issue)`
      : `topic ${config.topic} at ${config.bootstrapServers.join(",")} (group ${config.groupId}, from ${config.from})`;
  return (
    `pipeline: ${config.runner} runner${where}, ${input}, ${window} per ${config.key}, watermark delay ` +
    `${config.watermarkDelay} ms, allowed lateness ${config.allowedLateness} ms` +
    (config.source === "kafka"
      ? `, event time from ${config.timestampField === null ? "the Kafka record timestamps" : `the JSON field ${config.timestampField}`}; ${stop}`
      : "")
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
    const transforms = writePipelineJson(config, io, config.dryRun);
    process.stderr.write(`pipeline: wrote the pipeline proto (${transforms} transforms) as JSON to ${config.dryRun}; nothing was run\n`);
    return 0;
  }
  // Logs go to stderr (JSON unless stdout is a terminal); stdout carries only what the console sink prints.
  const logger = createLogger({ level: config.logLevel });
  logger.info({ config }, describe(config)); // pgUrl's password is redacted by the logger
  const started = Date.now();
  let stepErrors = 0;
  if (config.runner !== "direct") return runPortable(config, io, logger, started);
  const runner = createRunner({
    ...runnerConfig(config),
    onStepError: config.onStepError,
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

/**
 * flink and dataflow: submit, wait, and report what the runner can say (Flink: Beam's droppedDueToLateness; the
 * SDK's portable worker reports no user counters, so dead letters are on their output only).
 */
async function runPortable(config: SalesConfig, io: SalesIO, logger: Logger, started: number): Promise<number> {
  const runner = createRunner(runnerConfig(config));
  const result = await runner.run((root) => buildPipeline(root, config, io));
  const counters = await result.counters();
  const dead =
    counters[DEAD_LETTERS_COUNTER] !== undefined
      ? `${counters[DEAD_LETTERS_COUNTER]} dead letters, `
      : "dead letters on their output only (the SDK's worker reports no counters to Flink), ";
  logger.info(
    { seconds: Math.round((Date.now() - started) / 100) / 10, droppedDueToLateness: counters.droppedDueToLateness ?? 0 },
    `pipeline: done in ${((Date.now() - started) / 1000).toFixed(1)} s: ${dead}${counters.droppedDueToLateness ?? 0} late ` +
      `records dropped (Flink's droppedDueToLateness; the late-data output is empty there)`,
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
