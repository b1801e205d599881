/**
 * npm run bench:kafka — N sales events (BENCH_KAFKA_COUNT, default 300 000; 1 000 products, 10 ms apart in event
 * time, all valid) pre-produced to a 3-partition topic, then consumed to the end, each in its own process, by:
 *   (a) our pipeline (pipelines/sales_aggregation.ts) on the direct runner: Kafka source → parse with dead letters
 *       → fixed 60 s windows → sum/count/avg per product → no-op sinks;
 *   (b) a hand-written kafkajs eachBatch loop doing the same parse, windowing and aggregation.
 *   (c) (a) with the operations server on (--metrics-port), scraped over HTTP every second (/metrics, /status.json).
 * Prints events/s of each (from the first record to the last one processed; the group join is not counted),
 * the ratios (a)/(b) (target ≥ 0.7×) and (c)/(a) (metrics cost, target ≥ 0.95×) and each one's peak RSS.
 * Each runs BENCH_ROUNDS times (default 3), alternating, and
 * the best run of each counts (the machine is shared). Starts the local broker itself if none answers.
 * BENCH_KAFKA_SINK=postgres runs (a) with the PostgreSQL sink (server at PGURL) instead of no-op sinks, timed to
 * the end of the run (every row written); its "windowed outputs" are then the result rows written.
 */
import { execFileSync, spawnSync } from "child_process";
import * as os from "os";
import * as path from "path";
import { serializeSaleEvent } from "../sales/sale_event";
import { createKafkaClient, probeBrokers, BrokerUnreachableError, type ProducedRecord } from "../io/kafka/kafka_client";

const ROOT = path.resolve(__dirname, "..");
const COUNT = Number(process.env.BENCH_KAFKA_COUNT ?? 1_000_000);
const BOOTSTRAP = process.env.KAFKA_BOOTSTRAP_SERVERS ?? "127.0.0.1:9092";
const PARTITIONS = 3;
/** Runs per engine (BENCH_ROUNDS, default 3), alternating; the best of each counts. */
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const BEGIN = Date.UTC(2026, 0, 1);

interface Result {
  readonly engine: string;
  readonly events: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  readonly peakRssMb: number;
  readonly outputs: number;
  readonly cpuMs: number;
  readonly checkpoints?: number;
  readonly checkpointCaptureMs?: number;
  readonly checkpointBytes?: number;
}

async function ensureBroker(): Promise<void> {
  try {
    await probeBrokers({ bootstrapServers: [BOOTSTRAP] });
  } catch (e) {
    if (!(e instanceof BrokerUnreachableError)) throw e;
    process.stderr.write("bench:kafka: no broker answers; starting the local stack (npm run stack:up)\n");
    const up = spawnSync(process.execPath, ["-r", "./tools/register.js", "infra/stack.ts", "up"], { cwd: ROOT, stdio: "inherit" });
    if (up.status !== 0) throw new Error("the local stack did not start; see the lines above");
  }
}

/** Produces the events unless the topic already holds them (reruns reuse it). */
async function prepareTopic(topic: string): Promise<void> {
  const client = createKafkaClient({ bootstrapServers: [BOOTSTRAP], clientId: "bench-kafka" });
  const admin = await client.admin();
  try {
    await admin.createTopic(topic, PARTITIONS);
    const held = (await admin.topicOffsets(topic)).reduce((n, o) => n + Number(o.high) - Number(o.low), 0);
    if (held === COUNT) return;
    if (held !== 0) throw new Error(`topic ${topic} holds ${held} records, expected 0 or ${COUNT}: delete it first`);
  } finally {
    await admin.close();
  }
  const producer = await client.producer();
  const started = Date.now();
  try {
    const batch = 4_000;
    for (let from = 0; from < COUNT; from += batch) {
      const records: ProducedRecord[] = [];
      for (let i = from; i < Math.min(COUNT, from + batch); i++) {
        const timestamp = BEGIN + i * 10;
        const user = `user_${i % 5000}`;
        records.push({
          partition: i % PARTITIONS,
          key: user,
          timestamp,
          value: serializeSaleEvent({
            event_id: `evt_${i}`,
            user_id: user,
            product_id: `prod_${(i * 7919) % 1000}`,
            amount: ((i * 31) % 100_000) / 100,
            timestamp: new Date(timestamp).toISOString(),
            event_type: "purchase",
          }),
        });
      }
      await producer.send(topic, records);
    }
  } finally {
    await producer.close();
  }
  process.stderr.write(`bench:kafka: produced ${COUNT} events to ${topic} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

function measure(engine: "pipeline" | "pipeline-metrics" | "loop", topic: string): Result {
  const out = execFileSync(
    process.execPath,
    ["--max-old-space-size=4096", "-r", "./tools/register.js", path.join("bench", "kafka_case.ts"), engine, topic, String(COUNT)],
    { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
  );
  return JSON.parse(out.trim().split("\n").pop() ?? "") as Result;
}

const fmt = (n: number): string => Math.round(n).toLocaleString("en-US");

async function main(): Promise<void> {
  await ensureBroker();
  const topic = `bench-kafka-${COUNT}`;
  await prepareTopic(topic);
  // The machine is shared: both run ROUNDS times, alternating, and the best run of each counts.
  let loop = measure("loop", topic);
  let ours = measure("pipeline", topic);
  const ratios = [ours.eventsPerSecond / loop.eventsPerSecond];
  const cpuRatios = [loop.cpuMs / ours.cpuMs];
  const peaks = [ours.peakRssMb];
  let loopCpu = loop.cpuMs;
  let oursCpu = ours.cpuMs;
  let metered = measure("pipeline-metrics", topic);
  // The metrics' cost per round on CPU time too, (a)/(c): the events/s of the best runs swing far more than it.
  const meteredCpuRatios = [ours.cpuMs / metered.cpuMs];
  for (let round = 1; round < ROUNDS; round++) {
    const l = measure("loop", topic);
    if (l.eventsPerSecond > loop.eventsPerSecond) loop = l;
    const o = measure("pipeline", topic);
    if (o.eventsPerSecond > ours.eventsPerSecond) ours = o;
    ratios.push(o.eventsPerSecond / l.eventsPerSecond);
    cpuRatios.push(l.cpuMs / o.cpuMs);
    peaks.push(o.peakRssMb);
    loopCpu = Math.min(loopCpu, l.cpuMs);
    oursCpu = Math.min(oursCpu, o.cpuMs);
    const m = measure("pipeline-metrics", topic);
    if (m.eventsPerSecond > metered.eventsPerSecond) metered = m;
    meteredCpuRatios.push(o.cpuMs / m.cpuMs);
  }
  console.log(
    `\nbench:kafka — ${fmt(COUNT)} events from a ${PARTITIONS}-partition topic, fixed 60 s windows, 1,000 products; ` +
      `best of ${ROUNDS} alternating runs`,
  );
  console.log(`node ${process.version}, ${os.cpus()[0]?.model ?? "unknown cpu"} × ${os.cpus().length}`);
  console.log("engine                                   events/s   seconds   peak RSS   windowed outputs");
  for (const [name, r] of [
    [process.env.BENCH_KAFKA_SINK === "postgres" ? "(a) our pipeline → PostgreSQL sink" : "(a) our pipeline, direct runner", ours],
    ["(b) hand-written kafkajs eachBatch loop", loop],
    ["(c) (a) + metrics, scraped every 1 s", metered],
  ] as const) {
    console.log(
      `${name.padEnd(40)} ${fmt(r.eventsPerSecond).padStart(9)}   ${r.seconds.toFixed(2).padStart(7)}   ${r.peakRssMb.toFixed(0).padStart(5)} MB   ${fmt(r.outputs).padStart(8)}`,
    );
  }
  const ratio = ours.eventsPerSecond / loop.eventsPerSecond;
  console.log(`\nratio (a)/(b): ${ratio.toFixed(2)}× (target ≥ 0.7×)`);
  // The noise, shown: each round's own ratio, and the ratio of CPU time per event (less sensitive to other load).
  console.log(`ratio per round: ${ratios.map((r) => `${r.toFixed(2)}×`).join(", ")}`);
  console.log(
    `CPU time over the measured period, least of ${ROUNDS}: (a) ${fmt(oursCpu)} ms, (b) ${fmt(loopCpu)} ms; ` +
      `CPU ratio (b)/(a): ${(loopCpu / oursCpu).toFixed(2)}×`,
  );
  const median = (xs: readonly number[]): number => {
    const sorted = [...xs].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  };
  // The target is on CPU time (the machine is shared): each round's (b)/(a), and their median.
  console.log(
    `CPU ratio (b)/(a) per round: ${cpuRatios.map((r) => `${r.toFixed(2)}×`).join(", ")}; median ${median(cpuRatios).toFixed(2)}× (target ≥ 0.7×)`,
  );
  console.log(`peak RSS of (a) at ${fmt(COUNT)} events per round: ${peaks.map((p) => `${p.toFixed(0)} MB`).join(", ")}`);
  const cost = metered.eventsPerSecond / ours.eventsPerSecond;
  console.log(
    `metrics on/off (c)/(a): ${cost.toFixed(3)}× — ${fmt(metered.eventsPerSecond)} vs ${fmt(ours.eventsPerSecond)} events/s ` +
      `(target ≥ 0.95×: within 5 %)`,
  );
  console.log(
    `metrics on/off by CPU time, (a)/(c) per round: ${meteredCpuRatios.map((r) => `${r.toFixed(2)}×`).join(", ")}; ` +
      `median ${median(meteredCpuRatios).toFixed(2)}× (target ≥ 0.95×)`,
  );
  console.log(
    `runner checkpoints in (a) (one per commit, every 5 s): ${ours.checkpoints ?? 0}, ` +
      `${(ours.checkpointCaptureMs ?? 0).toFixed(1)} ms capturing in all, last ${fmt(ours.checkpointBytes ?? 0)} bytes`,
  );
  if (ours.outputs !== loop.outputs) {
    console.log(`WARNING: the pipeline emitted ${ours.outputs} results, the loop ${loop.outputs}`);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:kafka: error: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
