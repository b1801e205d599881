/**
 * npm run bench:sinks:parquet (part of npm run bench:sinks) — the Parquet sink against the raw parquetjs-lite
 * writer on the same rows, in the same process:
 *   (a) raw: ParquetWriter.openFile + appendRow per row + close + fsync, one file per maxRowsPerFile rows;
 *   (b) sink: the sales pipeline's Parquet results sink on our direct runner, fed final window results by an
 *       in-memory source in bundles (each bundle staged durably, files rolled over at maxRowsPerFile, closed at
 *       the end);
 *   (c) dataset: the sink's dataset alone (stage per bundle + roll-over, no runner), to split (b)'s overhead.
 * Rows/s of each (best of BENCH_ROUNDS alternating runs, default 3: the machine is shared) and
 * `ratio parquet: X×` = (b) / (a) (target ≥ 0.7×); also rows per CPU-second of this process (less sensitive to
 * other processes on the machine).
 *
 *   npm run bench:sinks:parquet [-- --rows=N --bundle=N]
 */
import "apache-beam";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ParquetWriter } from "parquetjs-lite";
import type { SalesWindowResult } from "../sales/window_result";
import { syntheticWindowResult, type SyntheticResults } from "../sales/synthetic_results";
import { directRunner } from "../runners/direct/runner";
import { IN_MEMORY_ROWS, inMemoryRows } from "./sinks_parquet_source";
import { closeParquetSinks } from "../transforms/sinks/parquet";
import { parquetSinks } from "../sales/parquet_sinks";
import { ParquetDataset } from "../transforms/sinks/parquet_dataset";
import { resultRow, resultRowDate, resultRowKey, RESULT_COLUMNS, type ResultRow } from "../sales/parquet_rows";
import { parquetSchema } from "../transforms/sinks/parquet_logical_types";
import { syncDirectory } from "../lib/durable_files";

function flag(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  return arg === undefined ? fallback : Number(arg.slice(name.length + 3));
}

const ROWS = flag("rows", Number(process.env.BENCH_PARQUET_ROWS ?? 200_000));
const BUNDLE = flag("bundle", 1_000);
const MAX_ROWS_PER_FILE = 100_000;
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const PRODUCTS = 1_000;
const DAY_START = Date.UTC(2026, 10, 27);

/** Final results of 1,000 products in 1-minute windows, all within one UTC day (one date partition). */
function makeResults(n: number): SalesWindowResult[] {
  const config: SyntheticResults = {
    start: DAY_START,
    products: PRODUCTS,
    sumCents: (i) => 1_000 + ((i * 7_919) % 5_000_000),
    count: (i) => 1 + (i % 13),
  };
  return Array.from({ length: n }, (_, i) => syntheticWindowResult(config, i, true));
}

/** Rows per second of wall-clock time and per second of this process's CPU time. */
interface Speed {
  readonly wall: number;
  readonly cpu: number;
}

function freshDir(name: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `bench-parquet-${name}-`));
}

async function fsyncFile(file: string): Promise<void> {
  const handle = await fs.promises.open(file, "r+");
  await handle.sync();
  await handle.close();
}

/** (a) The raw writer: the same rows (converted up front), one file per MAX_ROWS_PER_FILE rows, fsynced. */
async function runRaw(results: readonly SalesWindowResult[]): Promise<Speed> {
  const dir = freshDir("raw");
  const rows: ResultRow[] = results.map(resultRow);
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  for (let from = 0, n = 0; from < rows.length; from += MAX_ROWS_PER_FILE, n++) {
    const file = path.join(dir, `part-${n}.parquet`);
    const writer = await ParquetWriter.openFile(parquetSchema(RESULT_COLUMNS), file);
    const end = Math.min(rows.length, from + MAX_ROWS_PER_FILE);
    for (let i = from; i < end; i++) await writer.appendRow(rows[i]);
    await writer.close();
    await fsyncFile(file);
  }
  await syncDirectory(dir);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6;
  fs.rmSync(dir, { recursive: true, force: true });
  return { wall: rows.length / seconds, cpu: rows.length / cpuSeconds };
}

function bundles(all: readonly SalesWindowResult[]): SalesWindowResult[][] {
  const out: SalesWindowResult[][] = [];
  for (let i = 0; i < all.length; i += BUNDLE) out.push(all.slice(i, i + BUNDLE));
  return out;
}

/** (b) The sink in a pipeline on the direct runner, fed by an in-memory source in bundles. */
async function runSink(results: readonly SalesWindowResult[]): Promise<Speed> {
  const dir = freshDir("sink");
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const sinks = parquetSinks({ dir, maxRowsPerFile: MAX_ROWS_PER_FILE, maxFileAgeMs: Number.POSITIVE_INFINITY });
  await directRunner({ sources: [IN_MEMORY_ROWS] }).run((root) => {
    root.apply(inMemoryRows(results, (r) => r.window.start, BUNDLE)).apply(sinks.results);
  });
  await closeParquetSinks();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6;
  fs.rmSync(dir, { recursive: true, force: true });
  return { wall: results.length / seconds, cpu: results.length / cpuSeconds };
}

/** (c) The dataset alone: stage per bundle (staging log + fsync), roll-over, close. */
async function runDataset(results: readonly SalesWindowResult[]): Promise<Speed> {
  const dir = freshDir("dataset");
  const parts = bundles(results);
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const dataset = await ParquetDataset.open<ResultRow>({
    root: path.join(dir, "results"),
    columns: RESULT_COLUMNS,
    keyOf: resultRowKey,
    partitionOf: resultRowDate,
    maxRowsPerFile: MAX_ROWS_PER_FILE,
    maxFileAgeMs: Number.POSITIVE_INFINITY,
  });
  for (const part of parts) await dataset.stage(part.map(resultRow));
  await dataset.close();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6;
  fs.rmSync(dir, { recursive: true, force: true });
  return { wall: results.length / seconds, cpu: results.length / cpuSeconds };
}

async function main(): Promise<void> {
  const results = makeResults(ROWS);
  console.log(
    `bench:sinks:parquet — ${ROWS.toLocaleString("en")} final window results, bundles of ${BUNDLE}, ` +
      `${MAX_ROWS_PER_FILE.toLocaleString("en")} rows per file, best of ${ROUNDS} (Node ${process.version})`,
  );
  const zero: Speed = { wall: 0, cpu: 0 };
  const best = { raw: zero, sink: zero, dataset: zero };
  const better = (a: Speed, b: Speed): Speed => ({ wall: Math.max(a.wall, b.wall), cpu: Math.max(a.cpu, b.cpu) });
  const n = (x: number): string => Math.round(x).toLocaleString("en");
  for (let round = 1; round <= ROUNDS; round++) {
    const raw = await runRaw(results);
    const sink = await runSink(results);
    const dataset = await runDataset(results);
    best.raw = better(best.raw, raw);
    best.sink = better(best.sink, sink);
    best.dataset = better(best.dataset, dataset);
    console.log(`round ${round}: raw ${n(raw.wall)} rows/s, sink ${n(sink.wall)} rows/s, dataset ${n(dataset.wall)} rows/s`);
  }
  console.log("\n| writer | rows/s | rows per CPU-second |\n| --- | ---: | ---: |");
  console.log(`| (a) raw parquetjs-lite writer | ${n(best.raw.wall)} | ${n(best.raw.cpu)} |`);
  console.log(`| (b) Parquet sink on the direct runner | ${n(best.sink.wall)} | ${n(best.sink.cpu)} |`);
  console.log(`| (c) the sink's dataset alone (no runner) | ${n(best.dataset.wall)} | ${n(best.dataset.cpu)} |`);
  console.log(`\nratio parquet: ${(best.sink.wall / best.raw.wall).toFixed(2)}× (target ≥ 0.7×)`);
  console.log(`ratio parquet, CPU time: ${(best.sink.cpu / best.raw.cpu).toFixed(2)}×`);
  console.log(`ratio parquet dataset alone: ${(best.dataset.wall / best.raw.wall).toFixed(2)}× (CPU time ${(best.dataset.cpu / best.raw.cpu).toFixed(2)}×)`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
