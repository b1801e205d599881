/**
 * `npm start`: the main job end to end on this machine, by itself.
 *
 *   1. starts the local Kafka broker if none answers, and PostgreSQL if none answers at PGURL (default
 *      postgres://postgres@127.0.0.1:5432/test) (`npm run stack:up`, idempotent);
 *   2. creates the topic `sales_events` (3 partitions) if missing; the sample events start now, or a minute after
 *      what the group already finalized in an earlier run (so a second run's events are not all late). When it
 *      created the topic (a fresh broker, e.g. after `npm run stack:clean`), the group's offsets are gone by
 *      design: the pipeline gets `--on-lost-offsets reread`; otherwise the default (fail) guards a wiped broker;
 *   3. starts the sales pipeline (`npm run pipeline -- ...`: 1-minute windows per product, 10 s watermark delay,
 *      1 minute allowed lateness, `--stop-when-idle 10s`) and, alongside, the producer (`npm run produce -- ...`):
 *      4 000 sales at 200 per second, event time running 20× faster than the clock (100 ms apart), 2 % out of
 *      order by up to 45 s (late panes), 1 % generated late by 3 minutes (late-data output), 1 % malformed (dead letters);
 *      It serves its metrics, health checks and live status page on port 9464 (or a free one) and logs the URL;
 *   4. the pipeline writes results, late data and dead letters to all three sinks — the console (as they happen),
 *      PostgreSQL (schema public) and Parquet files (output/parquet/) — and ends by itself once the topic is drained
 *      and quiet for 10 s; the last lines say where to look (the tables with a ready psql command, the folder).
 *
 * Exit code: the pipeline's (0 after the clean end), or the first failing step's.
 */
import { spawn } from "child_process";
import * as net from "net";
import * as path from "path";
import { createKafkaClient, probeBrokers } from "../io/kafka/kafka_client";
import { decodeCommitMetadata } from "../runners";
import { DEFAULT_PG_URL } from "../infra/stack/options";
import { redactPgUrl } from "../lib/redaction";
import { TABLES } from "../sales/postgres_tables";
import { startLostOffsets } from "./lost_offsets_policy";

const ROOT = path.resolve(__dirname, "..");
const TOPIC = "sales_events";
const BOOTSTRAP = "127.0.0.1:9092";
const GROUP = "sales-aggregation";
const PG_URL = process.env.PGURL ?? DEFAULT_PG_URL;
const PG_SCHEMA = "public";
const PARQUET_DIR = "output/parquet";

/** The last lines: where the results are and how to look at them. */
function whereToLook(): string {
  const url = redactPgUrl(PG_URL);
  const table = (name: string): string => `${PG_SCHEMA}.${name}`;
  return [
    `start: results are in PostgreSQL ${url}: tables ${table(TABLES.results)}, ${table(TABLES.late)}, ${table(TABLES.deadLetters)}`,
    `start:   psql '${url}' -c 'SELECT key, window_start, window_end, sum, count, avg, final FROM ${table(TABLES.results)} ORDER BY window_start, key'`,
    `start: and in Parquet files under ${path.join(ROOT, PARQUET_DIR)}/`,
  ].join("\n");
}

function run(what: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): { done: Promise<number> } {
  const child = spawn(process.execPath, ["-r", "./tools/register.js", ...args], { cwd: ROOT, stdio: "inherit", env });
  const done = new Promise<number>((resolve) => {
    child.on("exit", (code, signal) => resolve(code ?? (signal === "SIGINT" || signal === "SIGTERM" ? 0 : 1)));
    child.on("error", (e) => {
      process.stderr.write(`start: ${what} could not start: ${e.message}\n`);
      resolve(1);
    });
  });
  return { done };
}

/**
 * Creates the topic if missing and returns where the sample events' event time starts: now, or after what the
 * group has already finalized (its committed watermark), so that a second `npm start` right after the first does
 * not produce events that are all behind the restored watermark (they would all be late).
 */
async function prepare(): Promise<{ startTime: number; createdTopic: boolean }> {
  const client = createKafkaClient({ bootstrapServers: [BOOTSTRAP], clientId: "start" });
  await probeBrokers(client.connection);
  const admin = await client.admin();
  try {
    const createdTopic = await admin.createTopic(TOPIC, 3);
    let finalized = Number.NEGATIVE_INFINITY;
    for (const c of await admin.committedOffsets(GROUP, TOPIC)) {
      const metadata = c.offset === null ? undefined : decodeCommitMetadata(c.metadata, Number(c.offset), "record");
      if (metadata && metadata.sourceWatermark > finalized) finalized = metadata.sourceWatermark;
    }
    return { startTime: Math.max(Date.now(), finalized + 60_000), createdTopic };
  } finally {
    await admin.close();
  }
}

/** The metrics port: 9464 (SALES_METRICS_PORT to change) when free, else any free port (the pipeline logs its URL). */
async function metricsPort(): Promise<number> {
  const wanted = Number(process.env.SALES_METRICS_PORT ?? 9464);
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once("error", () => resolve(0));
    probe.listen(wanted, "127.0.0.1", () => probe.close(() => resolve(wanted)));
  });
}

async function main(): Promise<number> {
  process.stderr.write("start: 1/3 local Kafka broker and PostgreSQL (npm run stack:up)\n");
  const stack = await run("stack:up", ["infra/stack.ts", "up"]).done;
  if (stack !== 0) return stack;
  const { startTime, createdTopic } = await prepare();

  process.stderr.write(`start: 2/3 sales pipeline on topic ${TOPIC}, and 3/3 the producer alongside\n`);
  process.stderr.write(
    "start: event time is each record's Kafka timestamp, which this producer sets to the event's own `timestamp` " +
      "field (for producers that do not, run the pipeline with --timestamp-field timestamp)\n",
  );
  const pipeline = run("pipeline", [
    "pipelines/main.ts",
    `--topic=${TOPIC}`,
    `--bootstrap-servers=${BOOTSTRAP}`,
    `--group-id=${GROUP}`,
    "--window=fixed:1m",
    "--watermark-delay=10s",
    "--allowed-lateness=1m",
    "--stop-when-idle=10s",
    "--sinks=console,postgres,parquet",
    `--pg-url=${PG_URL}`,
    `--pg-schema=${PG_SCHEMA}`,
    `--parquet-dir=${PARQUET_DIR}`,
    `--metrics-port=${await metricsPort()}`,
    `--on-lost-offsets=${startLostOffsets(createdTopic)}`,
  ]);
  const producer = run("produce", [
    "pipelines/produce.ts",
    `--topic=${TOPIC}`,
    `--bootstrap-servers=${BOOTSTRAP}`,
    `--start-time=${new Date(startTime).toISOString()}`,
    "--count=4000",
    "--rate=200",
    "--interval=100ms",
    "--products=5",
    "--users=20",
    "--out-of-order-fraction=0.02",
    "--out-of-order-max-delay=45s",
    "--late-fraction=0.01",
    "--late-delay=3m",
    "--malformed-fraction=0.01",
  ], { ...process.env, SALES_PRODUCE_PROGRESS: "0" }); // the terminal's status line is the pipeline's
  const produced = await producer.done;
  const finished = await pipeline.done;
  if (produced === 0 && finished === 0) process.stderr.write(whereToLook() + "\n");
  return produced !== 0 ? produced : finished;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`start: error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
