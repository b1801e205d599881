/**
 * The sales pipeline's command line (`npm run pipeline -- ...`) and environment, parsed into one frozen, typed
 * `SalesConfig`. Only pipelines/main.ts calls this; the pipeline itself receives the config.
 *
 * Every option can also come from an environment variable: SALES_ + the option name in upper snake case, e.g.
 * SALES_WINDOW=sliding:1m,10s, SALES_BOOTSTRAP_SERVERS=host:9092, SALES_STOP_WHEN_IDLE=15s. The command line wins
 * over the environment. PGURL is read for --pg-url. Unknown or invalid options are a one-line `OptionsError`
 * listing the valid choices.
 */
import * as path from "path";
import yargs from "yargs";
import type { Millis, TriggerSpec, WindowFnSpec } from "../model/model";
import { RUNNER_NAMES, type RunnerName } from "../runners";
import { START_FROM, type StartFrom } from "../model/kafka_source_spec";
import { ON_STEP_ERROR, type OnStepError } from "../runners";
import { ON_LOST_OFFSETS, type OnLostOffsets } from "./lost_offsets_policy";
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from "../ops/logger";
import { DurationError, parseDuration as durationOf } from "../lib/durations";
import { HOST_PORT_FORMS, HostPortError, hostPort, parseHostPort } from "../lib/host_port";
import { yargsDefinitions } from "../sdk_workarounds/yargs_definitions";
import type { AggregationKey } from "../sales/window_result";

export type WindowChoice = Exclude<WindowFnSpec, { kind: "global" }>;
/** What the aggregation groups by (sales/window_result.ts). */
export type { AggregationKey };
export type SinkName = "console" | "postgres" | "parquet";
export const SINK_NAMES: readonly SinkName[] = ["console", "postgres", "parquet"];

/** Trigger presets: none = Beam's default trigger; early/late = periodic speculative / late panes. */
export interface TriggerPreset {
  /** Early (speculative) panes every this long of processing time before the watermark passes the window end. */
  readonly early?: Millis;
  /** Late panes at most every this long of processing time (default: one per late element, as Beam's default). */
  readonly late?: Millis;
}

export interface SalesConfig {
  readonly runner: RunnerName;
  readonly window: WindowChoice;
  readonly key: AggregationKey;
  readonly watermarkDelay: Millis;
  readonly allowedLateness: Millis;
  readonly trigger: TriggerPreset;
  readonly bootstrapServers: readonly string[];
  readonly topic: string;
  readonly groupId: string;
  readonly from: StartFrom;
  /** JSON field holding the event time; null: the Kafka record timestamp. */
  readonly timestampField: string | null;
  /** Event times more than this ahead of the wall clock are dead letters (0: off). */
  readonly maxFutureSkew: Millis;
  readonly idleTimeout: Millis;
  /** End once the topic is drained and quiet this long; null: run until stopped. */
  readonly stopWhenIdle: Millis | null;
  readonly maxBufferedRecords: number;
  /** The most bytes one fetch returns per partition (direct runner). */
  readonly fetchMaxBytes: number;
  readonly commitInterval: Millis;
  /** How long the Kafka brokers may stay unreachable (restart, election) before the job fails with exit 1. */
  readonly kafkaRetryBudget: Millis;
  /** Where results, late data and dead letters go: a non-empty set, in the order given. */
  readonly sinks: readonly SinkName[];
  /** A step that throws on a record: stop the run (fail) or send the record to the dead-letter output. */
  readonly onStepError: OnStepError;
  /** The broker lost the group's offsets that the sinks recorded: stop (fail) or re-read the topic from its start. */
  readonly onLostOffsets: OnLostOffsets;
  /** PostgreSQL URL for the postgres sink (never printed with its password). */
  readonly pgUrl: string;
  /** The schema holding the postgres sink's tables. */
  readonly pgSchema: string;
  /** How long the postgres sink retries a failing write (with backoff) before the job fails. */
  readonly pgRetryBudget: Millis;
  /** The folder of the parquet sink's files. */
  readonly parquetDir: string;
  /** The direct runner's checkpoints of its state, taken with each offset commit; null: none (--state-dir off). */
  readonly stateDir: string | null;
  /** Serve /metrics, /healthz, /readyz and the status page on this port (0: any free port); null: off. */
  readonly metricsPort: number | null;
  readonly logLevel: LogLevel;
  /** Logs as readable lines or JSON lines; auto: readable when stderr is a terminal. */
  readonly logFormat: LogFormat;
  /** Kafka, or a bounded generated sample (the default on dataflow). */
  readonly source: SourceName;
  /** Records in the sample (--source sample). */
  readonly sampleCount: number;
  /** --runner=flink: where the job goes and how it runs (runners/flink/options.ts). */
  readonly flink: FlinkConfig;
  /** Beam's Dataflow options (--runner=dataflow). */
  readonly dataflow: DataflowConfig;
  /** Write the pipeline proto as JSON to this file instead of running it; null: run. */
  readonly dryRun: string | null;
}

export type SourceName = "kafka" | "sample";
export const SOURCE_NAMES: readonly SourceName[] = ["kafka", "sample"];

export interface FlinkConfig {
  /** The JobManager's REST API, host:port. */
  readonly flinkMaster: string;
  /** The Beam job server, host:port. */
  readonly jobEndpoint: string;
  /** Operator parallelism; null: the cluster's default. */
  readonly parallelism: number | null;
  /** host:port of an EXTERNAL worker pool; null: LOOPBACK workers in this process. */
  readonly workerPool: string | null;
  /** The Java expansion service that expands KafkaIO, host:port. */
  readonly expansionService: string;
  /** Checkpoint interval; null: no checkpoints (and no Kafka offset commits). */
  readonly checkpointInterval: Millis | null;
  /** Restarts from the last checkpoint after a failure. */
  readonly restartAttempts: number;
  /** Stage the job server's classpath with the job (a cluster without Beam's jars, e.g. docker compose's). */
  readonly stageClasspath: boolean;
  /** Savepoint or retained checkpoint to start from; null: a fresh start. */
  readonly restoreFrom: string | null;
  /** Where the end-of-input (draining) savepoint of --stop-when-idle goes (a path the cluster can write). */
  readonly savepointDir: string;
}

export interface DataflowConfig {
  readonly project: string | null;
  readonly region: string | null;
  readonly tempLocation: string | null;
}

/** A usage error: one line, what was wrong and what is valid. */
export class OptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OptionsError";
  }
}

export const ENV_PREFIX = "SALES_";
const DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/test";
const SINKS_FORM = `a comma-separated, non-empty subset of ${SINK_NAMES.join(", ")} (e.g. console,postgres)`;

const OPTION_NAMES = [
  "runner",
  "window",
  "key",
  "watermark-delay",
  "allowed-lateness",
  "trigger",
  "bootstrap-servers",
  "topic",
  "group-id",
  "from",
  "timestamp-field",
  "max-future-skew",
  "idle-timeout",
  "stop-when-idle",
  "max-buffered",
  "fetch-max-bytes",
  "commit-interval",
  "kafka-retry-budget",
  "sinks",
  "pg-url",
  "pg-schema",
  "pg-retry-budget",
  "parquet-dir",
  "state-dir",
  "on-step-error",
  "on-lost-offsets",
  "metrics-port",
  "log-level",
  "log-format",
  "source",
  "sample-count",
  "flink-master",
  "job-endpoint",
  "parallelism",
  "worker-pool",
  "project",
  "region",
  "temp-location",
  "dry-run",
  "expansion-service",
  "checkpoint-interval",
  "restart-attempts",
  "stage-classpath",
  "restore-from",
  "savepoint-dir",
] as const;

/** "500ms", "30s", "1m", "1.5h", "1500" (milliseconds) → milliseconds (lib/durations.ts: the one grammar). */
export function parseDuration(text: string, what: string): Millis {
  return asOptionsError(() => durationOf(text, what));
}

const WINDOW_FORMS = "fixed:<size> | sliding:<size>,<period> | session:<gap> (e.g. fixed:1m, sliding:1m,10s, session:30s)";

/** --window fixed:1m | sliding:1m,10s | session:30s */
export function parseWindow(text: string): WindowChoice {
  const bad = (why?: string): OptionsError =>
    new OptionsError(`invalid --window "${text}"${why ? ` (${why})` : ""}: expected ${WINDOW_FORMS}`);
  const colon = text.indexOf(":");
  if (colon < 0) throw bad();
  const kind = text.slice(0, colon).trim();
  const args = text.slice(colon + 1).split(",").map((s) => s.trim());
  const duration = (s: string): Millis => {
    const d = parseDuration(s, "--window duration");
    if (d <= 0) throw bad("durations must be > 0");
    return d;
  };
  try {
    if (kind === "fixed" && args.length === 1) return { kind: "fixed", size: duration(args[0]), offset: 0 };
    if (kind === "sliding" && args.length === 2) {
      const size = duration(args[0]);
      const period = duration(args[1]);
      if (period > size) throw bad("the period must not exceed the size");
      return { kind: "sliding", size, period, offset: 0 };
    }
    if ((kind === "session" || kind === "sessions") && args.length === 1) return { kind: "sessions", gap: duration(args[0]) };
  } catch (e) {
    if (e instanceof OptionsError && e.message.startsWith("invalid --window")) throw e;
    throw bad(e instanceof Error ? e.message : String(e));
  }
  throw bad();
}

const TRIGGER_FORMS = "default | early:<every> | late:<every> | early:<every>,late:<every> (e.g. early:10s)";

/** --trigger default | early:10s | late:30s | early:10s,late:30s */
export function parseTrigger(text: string): TriggerPreset {
  const t = text.trim();
  if (t === "default") return {};
  const preset: { early?: Millis; late?: Millis } = {};
  for (const part of t.split(",")) {
    const [name, value, ...rest] = part.trim().split(":");
    if ((name !== "early" && name !== "late") || value === undefined || rest.length > 0 || name in preset) {
      throw new OptionsError(`invalid --trigger "${text}": expected ${TRIGGER_FORMS}`);
    }
    const every = parseDuration(value, `--trigger ${name}`);
    if (every <= 0) throw new OptionsError(`invalid --trigger "${text}": the period must be > 0`);
    preset[name] = every;
  }
  return preset;
}

/** The TriggerSpec a preset stands for (see docs/operations.md). */
export function triggerOf(preset: TriggerPreset): TriggerSpec {
  if (preset.early === undefined && preset.late === undefined) return { kind: "default" };
  const early: TriggerSpec | undefined =
    preset.early === undefined ? undefined : { kind: "afterProcessingTime", delay: preset.early };
  const late: TriggerSpec =
    preset.late === undefined ? { kind: "afterCount", count: 1 } : { kind: "afterProcessingTime", delay: preset.late };
  return early === undefined ? { kind: "afterWatermark", late } : { kind: "afterWatermark", early, late };
}

function parser(argv: readonly string[]) {
  return yargs([...argv])
    .scriptName("npm run pipeline --")
    .usage("$0 [options]\n\nEvery option can also be set as SALES_<OPTION> (e.g. SALES_WINDOW=session:30s).")
    .option("runner", { choices: RUNNER_NAMES, default: "direct" as RunnerName, describe: "where the pipeline runs" })
    .option("window", { type: "string", default: "fixed:1m", describe: WINDOW_FORMS })
    .option("key", {
      choices: ["auto", "product", "user"] as const,
      default: "auto" as const,
      describe: "aggregate per product or per user (auto: user for sessions, product otherwise)",
    })
    .option("watermark-delay", { type: "string", default: "10s", describe: "watermark = newest event time − this" })
    .option("allowed-lateness", { type: "string", default: "0s", describe: "late data within this is still counted" })
    .option("trigger", { type: "string", default: "default", describe: TRIGGER_FORMS })
    .option("bootstrap-servers", { type: "string", default: "127.0.0.1:9092", describe: "comma-separated host:port" })
    .option("topic", { type: "string", default: "sales_events", describe: "Kafka topic to read" })
    .option("group-id", { type: "string", default: "sales-aggregation", describe: "Kafka consumer group" })
    .option("from", { choices: START_FROM, default: "committed" as StartFrom, describe: "where reading starts" })
    .option("timestamp-field", { type: "string", describe: "JSON field with the event time (default: Kafka timestamp)" })
    .option("max-future-skew", {
      type: "string",
      default: "1h",
      describe: "event times further ahead of the wall clock are dead letters, not the watermark (0: off)",
    })
    .option("idle-timeout", { type: "string", default: "1s", describe: "results wait at most this long for a partition at its end offset (like max.task.idle.ms)" })
    .option("stop-when-idle", { type: "string", default: "never", describe: "finish once drained and quiet this long" })
    .option("max-buffered", { type: "number", default: 20_000, describe: "records buffered before fetching pauses" })
    .option("fetch-max-bytes", { type: "number", default: 1024 * 1024, describe: "most bytes one fetch returns per partition" })
    .option("commit-interval", { type: "string", default: "5s", describe: "least time between offset commits" })
    .option("kafka-retry-budget", { type: "string", default: "60s", describe: "wait this long for an unreachable Kafka broker" })
    .option("sinks", { type: "string", default: "console", describe: `where results go: ${SINKS_FORM}` })
    .option("pg-url", { type: "string", describe: `PostgreSQL URL (or PGURL; default ${DEFAULT_PG_URL})` })
    .option("pg-schema", { type: "string", default: "public", describe: "PostgreSQL schema of the sink tables" })
    .option("pg-retry-budget", { type: "string", default: "60s", describe: "retry failing PostgreSQL writes this long" })
    .option("parquet-dir", { type: "string", default: "output/parquet", describe: "folder of the Parquet files" })
    .option("state-dir", {
      type: "string",
      default: "output/state",
      describe: "folder of the direct runner's state checkpoints, taken with each offset commit (off: none)",
    })
    .option("on-step-error", {
      choices: ON_STEP_ERROR,
      default: "fail" as OnStepError,
      describe: "a step throwing on a record stops the run, or sends the record to the dead letters",
    })
    .option("on-lost-offsets", {
      choices: ON_LOST_OFFSETS,
      default: "fail" as OnLostOffsets,
      describe: "the broker has no offsets (or offsets past the end) for a group the sinks show an earlier run of: stop, or re-read from the start",
    })
    .option("metrics-port", { type: "number", describe: "serve /metrics, /healthz, /readyz and the status page here (0: any free port)" })
    .option("log-level", { choices: LOG_LEVELS, default: "info" as LogLevel, describe: "least level of the logs on stderr" })
    .option("log-format", {
      choices: LOG_FORMATS,
      default: "auto" as LogFormat,
      describe: "logs on stderr as readable lines or JSON lines (auto: readable on a terminal, JSON when redirected)",
    })
    .option("source", {
      choices: ["auto", ...SOURCE_NAMES] as const,
      default: "auto" as const,
      describe: "kafka, or a generated sample (auto: kafka on direct and flink; the sample on dataflow)",
    })
    .option("sample-count", { type: "number", default: 500, describe: "records in the sample (--source sample)" })
    .option("flink-master", { type: "string", default: "127.0.0.1:8081", describe: "Flink's REST address (flink)" })
    .option("job-endpoint", { type: "string", default: "127.0.0.1:8099", describe: "Beam job server (flink; npm run flink:up)" })
    .option("parallelism", { type: "number", describe: "parallelism of the Flink job (default: the cluster's)" })
    .option("worker-pool", { type: "string", describe: "host:port of an EXTERNAL TypeScript worker pool (default: LOOPBACK)" })
    .option("project", { type: "string", describe: "Google Cloud project (dataflow)" })
    .option("region", { type: "string", describe: "Google Cloud region (dataflow)" })
    .option("temp-location", { type: "string", describe: "gs:// temp location (dataflow)" })
    .option("dry-run", { type: "string", describe: "write the pipeline proto as JSON to this file and stop (any runner)" })
    .option("expansion-service", { type: "string", default: "127.0.0.1:8096", describe: "flink: the Java expansion service that expands KafkaIO" })
    .option("checkpoint-interval", { type: "string", default: "10s", describe: "flink: checkpoint interval, or off" })
    .option("restart-attempts", { type: "number", default: 3, describe: "flink: restarts from the last checkpoint, 10 s apart" })
    .option("stage-classpath", {
      type: "boolean",
      default: false,
      describe: "flink: stage the job server's classpath with the job, for a cluster without Beam's jars (docker compose)",
    })
    .option("restore-from", {
      type: "string",
      describe: "flink: savepoint or retained checkpoint to resume from, or none (default: the last checkpoint of the group's previous job if it failed)",
    })
    .option("savepoint-dir", { type: "string", default: ".stack/flink/savepoints", describe: "flink: savepoints (Ctrl-C's, and --stop-when-idle's draining one)" })
    .parserConfiguration({ "duplicate-arguments-array": false })
    .strict()
    .exitProcess(false)
    .fail((msg, err) => {
      const what = (err ? err.message : msg).replace(/\s*\n\s*/g, " ").trim();
      if (err instanceof OptionsError) throw err;
      throw new OptionsError(`${what} (valid options: ${OPTION_NAMES.map((n) => `--${n}`).join(", ")})`);
    })
    .help(false)
    .version(false)
    .wrap(110);
}

/** Environment variables (SALES_*) as leading arguments, so the command line overrides them. */
function environmentArguments(env: Readonly<Record<string, string | undefined>>): string[] {
  const args: string[] = [];
  for (const name of OPTION_NAMES) {
    const value = env[ENV_PREFIX + name.toUpperCase().replace(/-/g, "_")];
    if (value !== undefined && value !== "") args.push(`--${name}=${value}`);
  }
  return args;
}

export function wantsHelp(argv: readonly string[]): boolean {
  return argv.includes("--help") || argv.includes("-h");
}

export function helpText(): Promise<string> {
  return parser([]).getHelp();
}

/** --sinks console,postgres,parquet: a non-empty set of known sinks, each once. */
export function parseSinks(text: string): SinkName[] {
  const names = text.split(",").map((n) => n.trim());
  const sinks: SinkName[] = [];
  for (const name of names) {
    if (!(SINK_NAMES as readonly string[]).includes(name) || sinks.includes(name as SinkName)) {
      throw new OptionsError(`invalid --sinks "${text}": expected ${SINKS_FORM}, each once`);
    }
    sinks.push(name as SinkName);
  }
  return sinks;
}

function positiveDuration(text: string, what: string): Millis {
  const d = parseDuration(text, what);
  if (d <= 0) throw new OptionsError(`invalid ${what} "${text}": must be > 0`);
  return d;
}

/** Parses the command line and environment into a frozen config; throws OptionsError on anything invalid. */
export function parseOptions(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): SalesConfig {
  const args = parser([...environmentArguments(env), ...argv]).parseSync();
  if (args._.length > 0) {
    throw new OptionsError(`unexpected argument "${String(args._[0])}": options are written --name value`);
  }
  const window = parseWindow(args.window);
  const servers = args["bootstrap-servers"].split(",").map((s) => s.trim()).filter((s) => s !== "");
  for (const s of servers) {
    if (parseHostPort(s) === undefined) {
      throw new OptionsError(`invalid --bootstrap-servers "${args["bootstrap-servers"]}": expected ${HOST_PORT_FORMS}, comma-separated`);
    }
  }
  if (servers.length === 0) throw new OptionsError(`invalid --bootstrap-servers: expected ${HOST_PORT_FORMS}, comma-separated`);
  const nonEmpty = (name: string, value: string): string => {
    if (value.trim() === "") throw new OptionsError(`--${name} must not be empty`);
    return value.trim();
  };
  const stop = args["stop-when-idle"].trim();
  const maxBuffered = args["max-buffered"];
  if (!Number.isInteger(maxBuffered) || maxBuffered < 1) {
    throw new OptionsError(`invalid --max-buffered "${String(maxBuffered)}": expected a whole number >= 1`);
  }
  const fetchMaxBytes = args["fetch-max-bytes"];
  if (!Number.isInteger(fetchMaxBytes) || fetchMaxBytes < 1) {
    throw new OptionsError(`invalid --fetch-max-bytes "${String(fetchMaxBytes)}": expected a whole number >= 1`);
  }
  const key: AggregationKey = args.key === "auto" ? (window.kind === "sessions" ? "user" : "product") : args.key;
  const timestampField = args["timestamp-field"];
  const metricsPort = args["metrics-port"];
  if (metricsPort !== undefined && (!Number.isInteger(metricsPort) || metricsPort < 0 || metricsPort > 65_535)) {
    throw new OptionsError(`invalid --metrics-port "${String(metricsPort)}": expected a port number 0-65535 (0: any free port)`);
  }
  const restarts = args["restart-attempts"];
  if (!Number.isInteger(restarts) || restarts < 0) {
    throw new OptionsError(`invalid --restart-attempts "${String(restarts)}": expected a whole number >= 0`);
  }
  const checkpoints = args["checkpoint-interval"].trim();
  return Object.freeze({
    runner: args.runner,
    window: Object.freeze(window),
    key,
    watermarkDelay: parseDuration(args["watermark-delay"], "--watermark-delay"),
    allowedLateness: parseDuration(args["allowed-lateness"], "--allowed-lateness"),
    trigger: Object.freeze(parseTrigger(args.trigger)),
    bootstrapServers: Object.freeze(servers),
    topic: nonEmpty("topic", args.topic),
    groupId: nonEmpty("group-id", args["group-id"]),
    from: args.from,
    timestampField: timestampField === undefined ? null : nonEmpty("timestamp-field", timestampField),
    maxFutureSkew: parseDuration(args["max-future-skew"], "--max-future-skew"),
    idleTimeout: positiveDuration(args["idle-timeout"], "--idle-timeout"),
    stopWhenIdle: stop === "never" || stop === "off" ? null : positiveDuration(stop, "--stop-when-idle"),
    maxBufferedRecords: maxBuffered,
    fetchMaxBytes,
    commitInterval: parseDuration(args["commit-interval"], "--commit-interval"),
    kafkaRetryBudget: parseDuration(args["kafka-retry-budget"], "--kafka-retry-budget"),
    sinks: Object.freeze(parseSinks(args.sinks)),
    onStepError: args["on-step-error"],
    onLostOffsets: args["on-lost-offsets"],
    pgUrl: nonEmpty("pg-url", args["pg-url"] ?? (env.PGURL === "" ? undefined : env.PGURL) ?? DEFAULT_PG_URL), // PGURL="" = unset
    pgSchema: nonEmpty("pg-schema", args["pg-schema"]),
    pgRetryBudget: parseDuration(args["pg-retry-budget"], "--pg-retry-budget"),
    parquetDir: nonEmpty("parquet-dir", args["parquet-dir"]),
    stateDir: args["state-dir"] === "off" ? null : nonEmpty("state-dir", args["state-dir"]),
    metricsPort: metricsPort ?? null,
    logLevel: args["log-level"],
    logFormat: args["log-format"],
    source: sourceOf(args.source, args.runner),
    sampleCount: wholeNumber(args["sample-count"], "--sample-count", 1),
    flink: Object.freeze({
      flinkMaster: hostPortOption(args["flink-master"], "--flink-master"),
      jobEndpoint: hostPortOption(args["job-endpoint"], "--job-endpoint"),
      parallelism: args.parallelism === undefined ? null : wholeNumber(args.parallelism, "--parallelism", 1),
      workerPool: args["worker-pool"] === undefined ? null : hostPortOption(args["worker-pool"], "--worker-pool"),
      expansionService: hostPortOption(args["expansion-service"], "--expansion-service"),
      checkpointInterval: checkpoints === "off" ? null : positiveDuration(checkpoints, "--checkpoint-interval"),
      restartAttempts: restarts,
      stageClasspath: args["stage-classpath"],
      restoreFrom: args["restore-from"] === undefined ? null : nonEmpty("restore-from", args["restore-from"]),
      savepointDir: path.resolve(nonEmpty("savepoint-dir", args["savepoint-dir"])),
    }),
    dataflow: Object.freeze({
      project: args.project ?? null,
      region: args.region ?? null,
      tempLocation: args["temp-location"] ?? null,
    }),
    dryRun: args["dry-run"] === undefined ? null : nonEmpty("dry-run", args["dry-run"]),
  });
}

function sourceOf(choice: "auto" | SourceName, runner: RunnerName): SourceName {
  if (choice === "auto") return runner === "dataflow" ? "sample" : "kafka";
  if (choice === "kafka" && runner === "dataflow") {
    throw new OptionsError("--source kafka does not run on dataflow here (see docs/runners.md); use --source sample");
  }
  return choice;
}

function wholeNumber(value: number, flag: string, min: number): number {
  if (!Number.isInteger(value) || value < min) throw new OptionsError(`invalid ${flag} "${String(value)}": expected a whole number >= ${min}`);
  return value;
}

function hostPortOption(value: string, flag: string): string {
  asOptionsError(() => hostPort(value, flag));
  return value.trim();
}

/** A lib/ parser's error (same words) as an OptionsError. */
function asOptionsError<T>(parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (e instanceof DurationError || e instanceof HostPortError) throw new OptionsError(e.message);
    throw e;
  }
}

/** One option as the yargs definition states it (for the documented options table and its test). */
export interface OptionDefinition {
  readonly name: string;
  readonly default: string | undefined;
  readonly choices: readonly string[] | undefined;
  readonly describe: string;
}

/** Every option, from the yargs definition itself, in definition order. */
export function optionDefinitions(): OptionDefinition[] {
  const { options, descriptions } = yargsDefinitions(parser([]));
  return Object.keys(options.key)
    .filter((name) => name !== "help" && name !== "version")
    .map((name) => ({
      name,
      default: options.default[name] === undefined ? undefined : String(options.default[name]),
      choices: options.choices[name],
      describe: descriptions[name] ?? "",
    }));
}
