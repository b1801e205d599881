/**
 * One measurement of bench/kafka.ts, in its own process (so peak RSS is its own):
 *   node -r ./tools/register.js bench/kafka_case.ts pipeline|pipeline-metrics|loop TOPIC COUNT
 * pipeline-metrics: the same pipeline with the operations server on (ops/server.ts), scraped over HTTP every second
 * (/metrics and /status.json, as Prometheus and an open status page would; Prometheus usually scrapes every 15 s).
 * Consumes TOPIC from the beginning with a fresh consumer group until COUNT records are processed, doing
 * parse → fixed 60 s windows → sum/count/avg per product, and prints one JSON line: the time from the first
 * record to the last one processed (the group join before is the same for both and not counted), events/s,
 * peak RSS, windows emitted.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as kafkajs from "kafkajs";
import { directRunner, type DirectPipelineResult } from "../runners/direct/runner";
import { KafkaSource } from "../runners/direct/sources/kafka_source";
import { KAFKA_SOURCE_URN, decodeKafkaSourceSpec } from "../model/kafka_source_spec";
import { amountCents, averageCents, parseSaleEvent } from "../sales/sale_event";
import { strictUtf8 } from "../sales/parse_sales_events";
import { readFromKafka } from "../transforms/kafka";
import { parDo } from "apache-beam/transforms/pardo";
import { buildPipeline, type SalesSinks } from "../pipelines/sales_aggregation";
import { postgresSinks } from "../sales/postgres_sinks";
import { closePools } from "../transforms/sinks/postgres_connection";
import { postgresSinkStats } from "../sales/postgres_sinks";
import { DEFAULT_PG_URL } from "../infra/stack/options";
import { Client as PgClient } from "pg";
import { startOpsServer } from "../ops/server";
import * as http from "http";

const BOOTSTRAP = process.env.KAFKA_BOOTSTRAP_SERVERS ?? "127.0.0.1:9092";
const WINDOW = 60_000;
const DELAY = 10_000;

interface Result {
  readonly engine: string;
  readonly starvedMs?: number;
  /** Runner checkpoints taken (the product's default: with each commit) and their synchronous capture time. */
  readonly checkpoints?: number;
  readonly checkpointCaptureMs?: number;
  readonly checkpointBytes?: number;
  readonly pauses?: number;
  readonly deadLetters?: number;
  readonly events: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  readonly peakRssMb: number;
  readonly outputs: number;
  /** CPU time (user + system, ms) of the process over the measured period: less sensitive to a shared machine. */
  readonly cpuMs: number;
}

function cpuMsNow(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/** GET url, body discarded. */
function fetchAndDiscard(url: string): Promise<void> {
  return new Promise((resolve) => {
    http
      .get(url, (res) => {
        res.resume();
        res.on("end", () => resolve());
      })
      .on("error", () => resolve());
  });
}

/**
 * The pipeline's sinks: no-op (default), or the PostgreSQL sink (BENCH_KAFKA_SINK=postgres, server at PGURL, a
 * fresh schema per run, bench_kafka_<pid>, dropped at the end).
 */
function benchSinks(noop: ReturnType<typeof parDo<unknown, never>>): SalesSinks {
  if (process.env.BENCH_KAFKA_SINK === "postgres") {
    return postgresSinks({ url: process.env.PGURL ?? DEFAULT_PG_URL, schema: `bench_kafka_${process.pid}` });
  }
  return { results: noop, late: noop, deadLetters: noop };
}

/**
 * Our pipeline (the same buildPipeline as the product) on the direct runner, with no-op sinks (or PostgreSQL). With
 * PostgreSQL the time runs to the end of the run (every row written) less the 500 ms idle wait, not only to the
 * last record read.
 */
async function pipeline(topic: string, count: number, withMetrics = false): Promise<Result> {
  let source: KafkaSource | undefined;
  // The Kafka source of this run, kept to read its figures: it replaces the built-in one of the same URN.
  const kafka = {
    urn: KAFKA_SOURCE_URN,
    factory: (payload: Uint8Array): KafkaSource => (source = new KafkaSource(decodeKafkaSourceSpec(payload))),
  };
  const outputs = { n: 0 };
  const counter = globalThis as unknown as { __benchOutputs?: { n: number } };
  counter.__benchOutputs = outputs;
  const noop = parDo<unknown, never>({
    process: function discard(): never[] {
      const holder = Function("return globalThis")() as { __benchOutputs?: { n: number } };
      if (holder.__benchOutputs) holder.__benchOutputs.n++;
      return [];
    },
  });
  // As the product runs (--state-dir): a runner checkpoint with every offset commit.
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-kafka-state-"));
  const result = (await directRunner({ stateDir, sources: [kafka] }).runAsync((root) =>
    buildPipeline(
      root,
      { window: { kind: "fixed", size: WINDOW, offset: 0 }, key: "product", trigger: {}, allowedLateness: 0 },
      {
        source: readFromKafka({
          bootstrapServers: [BOOTSTRAP],
          topic,
          groupId: `bench-pipeline-${Date.now()}`,
          from: "earliest",
          watermarkDelay: DELAY,
          stopWhenIdle: 500,
          ...(process.env.BENCH_MAX_BUFFERED ? { maxBufferedRecords: Number(process.env.BENCH_MAX_BUFFERED) } : {}),
          ...(process.env.BENCH_FETCH_MAX_BYTES ? { fetchMaxBytes: Number(process.env.BENCH_FETCH_MAX_BYTES) } : {}),
          commitInterval: 5_000,
        }),
        sinks: benchSinks(noop),
      },
    ),
  )) as DirectPipelineResult;
  const ops = withMetrics ? await startOpsServer({ port: 0, snapshot: () => result.snapshot() }) : undefined;
  const scraper = ops
    ? setInterval(() => {
        void fetchAndDiscard(`${ops.url}/metrics`);
        void fetchAndDiscard(`${ops.url}/status.json`);
      }, 1000)
    : undefined;
  let end = 0;
  let cpuStart = 0;
  let cpuEnd = 0;
  while (end === 0) {
    const read = result.stats().elementsRead;
    if (cpuStart === 0 && read > 0) cpuStart = cpuMsNow();
    if (read >= count) {
      end = Date.now();
      cpuEnd = cpuMsNow();
    } else await new Promise((resolve) => setTimeout(resolve, 2));
  }
  await result.waitUntilFinish();
  clearInterval(scraper);
  await ops?.close();
  if (process.env.BENCH_KAFKA_SINK === "postgres") {
    end = Date.now() - 500;
    outputs.n = postgresSinkStats().rowsWritten.results;
    await closePools();
    const client = new PgClient({ connectionString: process.env.PGURL ?? DEFAULT_PG_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS bench_kafka_${process.pid} CASCADE`);
    await client.end();
  }
  fs.rmSync(stateDir, { recursive: true, force: true });
  const start = source?.stats.firstHandedAt ?? 0;
  const seconds = (end - start) / 1000;
  return {
    engine: withMetrics ? "pipeline-metrics" : "pipeline",
    events: count,
    seconds,
    eventsPerSecond: count / seconds,
    peakRssMb: peakRssMb(),
    outputs: outputs.n,
    cpuMs: cpuEnd - cpuStart,
    starvedMs: source?.stats.starvedMs,
    checkpoints: source?.checkpointStats().written,
    checkpointCaptureMs: source?.checkpointStats().captureMs,
    checkpointBytes: source?.checkpointStats().bytes,
    pauses: source?.stats.pauses,
  };
}

/** The baseline: a hand-written kafkajs eachBatch loop doing the same parse, windowing and aggregation. */
async function loop(topic: string, count: number): Promise<Result> {
  const kafka = new kafkajs.Kafka({ clientId: "bench-loop", brokers: [BOOTSTRAP], logLevel: kafkajs.logLevel.NOTHING });
  const consumer = kafka.consumer({
    groupId: `bench-loop-${Date.now()}`,
    maxWaitTimeInMs: 250,
    maxBytesPerPartition: 4 * 1024 * 1024,
    maxBytes: 32 * 1024 * 1024,
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  // Mutable counters live in one object: the closure transform boxes captured `let` variables.
  const state = { processed: 0, outputs: 0, deadLetters: 0, start: 0, end: 0, cpuStart: 0, cpuEnd: 0 };
  const windows = new Map<number, Map<string, [number, number]>>();
  const maxByPartition = new Map<number, number>();
  const emitUpTo = (watermark: number): void => {
    for (const [windowStart, perProduct] of windows) {
      if (windowStart + WINDOW > watermark) continue;
      for (const acc of perProduct.values()) {
        const avg = averageCents(acc[0], acc[1]) / 100; // as salesStatsFn's extractOutput
        if (avg >= 0 && acc[0] / 100 >= 0) state.outputs++;
      }
      windows.delete(windowStart);
    }
  };
  const done = new Promise<void>((resolve) => {
    void consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        if (state.start === 0) {
          state.start = Date.now();
          state.cpuStart = cpuMsNow();
        }
        let max = maxByPartition.get(batch.partition) ?? Number.NEGATIVE_INFINITY;
        for (const message of batch.messages) {
          // The pipeline's parse: strict UTF-8, then the schema (sales/parse_sales_events.ts routeRecord).
          const text = message.value === null ? undefined : strictUtf8(message.value);
          const parsed = text === undefined ? undefined : parseSaleEvent(text);
          state.processed++;
          if (parsed === undefined || !parsed.ok) {
            state.deadLetters++;
            continue;
          }
          const ts = Number(message.timestamp);
          if (ts > max) max = ts;
          const windowStart = ts - (ts % WINDOW);
          let perProduct = windows.get(windowStart);
          if (!perProduct) windows.set(windowStart, (perProduct = new Map()));
          const acc = perProduct.get(parsed.event.product_id);
          // The pipeline's aggregation: exact integer cents (salesStatsFn), the average rounded once at the output.
          const cents = amountCents(parsed.event);
          if (acc) {
            acc[0] += cents;
            acc[1] += 1;
          } else perProduct.set(parsed.event.product_id, [cents, 1]);
        }
        maxByPartition.set(batch.partition, max);
        let watermark = Number.POSITIVE_INFINITY;
        for (const m of maxByPartition.values()) watermark = Math.min(watermark, m - DELAY);
        if (maxByPartition.size >= 3) emitUpTo(watermark);
        if (state.processed >= count && state.end === 0) {
          emitUpTo(Number.POSITIVE_INFINITY);
          state.end = Date.now();
          state.cpuEnd = cpuMsNow();
          resolve();
        }
      },
    });
  });
  await done;
  await consumer.disconnect();
  const seconds = (state.end - state.start) / 1000;
  return {
    engine: "loop",
    events: count,
    seconds,
    eventsPerSecond: count / seconds,
    peakRssMb: peakRssMb(),
    outputs: state.outputs,
    cpuMs: state.cpuEnd - state.cpuStart,
    deadLetters: state.deadLetters,
  };
}

async function main(): Promise<void> {
  const [engine, topic, countText] = process.argv.slice(2);
  const count = Number(countText);
  const result =
    engine === "pipeline" || engine === "pipeline-metrics"
      ? await pipeline(topic, count, engine === "pipeline-metrics")
      : await loop(topic, count);
  process.stdout.write(JSON.stringify(result) + "\n");
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`bench:kafka case failed: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  },
);
