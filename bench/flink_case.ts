/**
 * One engine of bench/flink.ts, in its own process (its peak RSS is its own):
 *   node -r ./tools/register.js bench/flink_case.ts direct|flink|flink-processes TOPIC COUNT
 * Runs the product's sales pipeline (buildPipeline: parse → fixed 60 s windows → sum/count/avg per product) on
 * TOPIC from the beginning with no-op sinks, counts the records entering the pipeline, and prints one JSON line:
 * the time from the first record to the COUNT-th (steady state), events/s, the time before the first record
 * (on Flink: job submission, staging and KafkaIO's start), peak RSS, and the final results (the last pane of every
 * key and window: their count, the events in them and a digest, which bench/flink.ts compares between the engines;
 * on Flink the job is cancelled once the final panes hold all COUNT events). Flink: LOOPBACK workers in this
 * process (flink) or one worker process per SDK worker (flink-processes: environment PROCESSES; the worker
 * processes relay their record counts and final panes to this process over their IPC channel), parallelism 2, bundles of up to 1000 elements (BENCH_FLINK_BUNDLE), combiner lifting unless
 * BENCH_FLINK_LIFT=0 (runners/flink/lifted_combines.ts).
 */
import "apache-beam";
import { createHash } from "crypto";
import type { PCollection, Root } from "apache-beam/pvalue";
import { parDo } from "apache-beam/transforms/pardo";
import { AsyncPTransformClass } from "apache-beam/transforms/transform";
import { requireForSerialization } from "apache-beam/serialization";
import { directRunner } from "../runners/direct/runner";
import { flinkRunner, type FlinkPipelineResult } from "../runners/flink/runner";
import { flinkStackOptions } from "../infra/flink/options";
import { readFromKafka, type KafkaRecord } from "../transforms/kafka";
import { inWorkerProcess } from "../runners/flink/worker_process";
import { buildPipeline } from "../pipelines/sales_aggregation";
import { type SalesWindowResult } from "../sales/window_result";

const BOOTSTRAP = process.env.KAFKA_BOOTSTRAP_SERVERS ?? "127.0.0.1:9092";

/** Records seen by the first step, in this process (LOOPBACK workers run here too). */
const seen = { n: 0, first: 0, nth: 0, target: Infinity };
/** The last pane of every key and window ("key start" → "sumCents/count"), in this process (LOOPBACK too). */
const finals = new Map<string, string>();
requireForSerialization(__filename, { seen, finals });

/** Whether this is a worker process (engine flink-processes), asked once (process.env per record is slow). */
const IN_WORKER_PROCESS = inWorkerProcess();

/** In a worker process (engine flink-processes): the counts and final panes are relayed to this case's process. */
const relay = { last: 0, finals: [] as [string, string][], timer: undefined as NodeJS.Timeout | undefined };

function relayLater(): void {
  if (relay.timer !== undefined) return;
  relay.timer = setTimeout(() => {
    relay.timer = undefined;
    relayNow();
  }, 50);
}

function relayNow(): void {
  const message: CaseWorkerMessage = {
    n: seen.n, first: seen.first, last: relay.last, finals: relay.finals, peakRssMb: process.resourceUsage().maxRSS / 1024,
    cpuSeconds: process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6,
  };
  relay.finals = [];
  process.send?.(message);
}

/** What a worker process sends: its records so far, its first and last record's time, its new final panes. */
interface CaseWorkerMessage {
  readonly n: number;
  readonly first: number;
  readonly last: number;
  readonly finals: readonly [string, string][];
  readonly peakRssMb: number;
  /** CPU time of the worker process so far (user + system): how evenly the subtasks' work landed. */
  readonly cpuSeconds: number;
}

function keepFinal(result: SalesWindowResult): void {
  if (!result.pane.isLast) return;
  const key = `${result.key} ${result.window.start}`;
  const value = `${result.sumCents}/${result.count}`;
  if (IN_WORKER_PROCESS) {
    relay.finals.push([key, value]);
    relayLater();
  } else {
    finals.set(key, value);
  }
}

function eventsInFinals(): number {
  let n = 0;
  for (const v of finals.values()) n += Number(v.split("/")[1]);
  return n;
}

function finalsDigest(): string {
  const rows = [...finals].map(([k, v]) => `${k}=${v}`).sort();
  return createHash("sha256").update(rows.join("\n")).digest("hex").slice(0, 16);
}

function countRecord(record: KafkaRecord): KafkaRecord {
  if (seen.n === 0) seen.first = Date.now();
  seen.n++;
  if (IN_WORKER_PROCESS) {
    relay.last = Date.now();
    if (seen.n % 1000 === 0) relayNow();
    else relayLater();
  } else if (seen.n === seen.target) {
    seen.nth = Date.now();
  }
  return record;
}

// By reference: the worker processes run their own copies (their own counts, their own relay to this process).
requireForSerialization(__filename, { relay, keepFinal, countRecord });

/** This process's view of the worker processes' messages: records and first/last times per worker, finals. */
const workers = new Map<string, CaseWorkerMessage>();

function onWorkerMessage(message: unknown, workerId: string): void {
  const m = message as CaseWorkerMessage;
  workers.set(workerId, m);
  for (const [k, v] of m.finals) finals.set(k, v);
  const all = [...workers.values()];
  const n = all.reduce((sum, w) => sum + w.n, 0);
  if (seen.n === 0 && n > 0) seen.first = Math.min(...all.filter((w) => w.n > 0).map((w) => w.first));
  seen.n = n;
  // Every record counted: the last one's time is the latest worker's last.
  if (n >= seen.target && seen.nth === 0) seen.nth = Math.max(...all.map((w) => w.last));
}

class CountedSource extends AsyncPTransformClass<Root, PCollection<KafkaRecord>> {
  constructor(private readonly inner: AsyncPTransformClass<Root, PCollection<KafkaRecord>>) {
    super("countedSource");
  }
  override async expandAsync(root: Root): Promise<PCollection<KafkaRecord>> {
    return (await root.applyAsync(this.inner)).map(countRecord);
  }
}

async function main(): Promise<void> {
  const [engine, topic, countText] = process.argv.slice(2);
  const count = Number(countText);
  seen.target = count;
  const noop = parDo<unknown, never>({ process: function discard(): never[] { return []; } });
  const config = { window: { kind: "fixed" as const, size: 60_000, offset: 0 }, key: "product" as const, trigger: {}, allowedLateness: 0 };
  const results = parDo<SalesWindowResult, never>({
    process: function keepFinalPanes(result: SalesWindowResult): never[] {
      keepFinal(result);
      return [];
    },
  });
  const sinks = { results, late: noop, deadLetters: noop };
  const t0 = Date.now();
  let allFinal = 0;
  if (engine === "direct") {
    const source = readFromKafka({ bootstrapServers: [BOOTSTRAP], topic, groupId: `bench-flink-direct-${Date.now()}`, from: "earliest", stopWhenIdle: 500 });
    const counted = (root: Root): PCollection<KafkaRecord> => root.apply(source).map(countRecord);
    const result = await directRunner().runAsync((root) => buildPipeline(root, config, { source: counted, sinks }));
    while (seen.nth === 0) await new Promise((r) => setTimeout(r, 5));
    await result.waitUntilFinish();
    allFinal = Date.now();
  } else {
    const s = flinkStackOptions();
    const source = readFromKafka({
      bootstrapServers: [BOOTSTRAP], topic, groupId: `bench-flink-${Date.now()}`, from: "earliest", target: "portable",
      expansionService: `${s.host}:${s.expansionPort}`,
    });
    const runner = flinkRunner({
      jobEndpoint: `${s.host}:${s.jobPort}`, flinkMaster: `${s.host}:${s.restPort}`, parallelism: Number(process.env.BENCH_FLINK_PARALLELISM ?? 2), maxBundleSize: Number(process.env.BENCH_FLINK_BUNDLE ?? 1000),
      liftCombines: process.env.BENCH_FLINK_LIFT !== "0",
      // flink-no-late: the pipeline as built (no late-data output; its combine lifted), to price the late output.
      ...(engine === "flink-no-late" ? { lateOutput: false } : {}),
      ...(engine === "flink-processes"
        ? { environment: "PROCESSES" as const, onWorkerMessage, sdkWorkers: Number(process.env.BENCH_FLINK_WORKERS ?? 2) }
        : {}),
    });
    const result = (await runner.runAsync((root) => buildPipeline(root, config, { source: new CountedSource(source), sinks }))) as unknown as FlinkPipelineResult;
    while (seen.nth === 0) await new Promise((r) => setTimeout(r, 20));
    // KafkaIO's watermark moves to the wall clock once it has caught up: every window (event time in the past) closes.
    const deadline = Date.now() + 300_000;
    while (eventsInFinals() < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    allFinal = Date.now();
    await result.cancel();
  }
  const seconds = (seen.nth - seen.first) / 1000;
  process.stdout.write(
    JSON.stringify({
      engine,
      events: count,
      seconds,
      eventsPerSecond: count / seconds,
      beforeFirstRecordSeconds: (seen.first - t0) / 1000,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
      allFinalSeconds: (allFinal - seen.first) / 1000,
      finalRows: finals.size,
      finalEvents: eventsInFinals(),
      resultsDigest: finalsDigest(),
      workerProcesses: workers.size,
      workerPeakRssMb: [...workers.values()].map((w) => Math.round(w.peakRssMb)),
      workerCpuSeconds: [...workers.values()].map((w) => Number(w.cpuSeconds.toFixed(1))),
    }) + "\n",
  );
  setTimeout(() => process.exit(0), 200).unref();
}

// The worker processes load this module too (its DoFns refer to it): only the case's own process runs it.
if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`bench:flink case: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
