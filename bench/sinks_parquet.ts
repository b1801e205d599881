/**
 * npm run bench:sinks:parquet (part of npm run bench:sinks) — the Parquet sink against the raw parquetjs-lite
 * writer on the same rows, in the same process:
 *   (a) raw: ParquetWriter.openFile + appendRow per row + close + fsync, one file per maxRowsPerFile rows;
 *   (b) sink: the sales pipeline's Parquet results sink on our direct runner, fed final window results by an
 *       in-memory source in bundles (each bundle staged durably, files rolled over at maxRowsPerFile, closed at
 *       the end);
 *   (c) dataset: the sink's dataset alone (stage per bundle + roll-over, no runner), to split (b)'s overhead.
 * Rows/s of each (best of BENCH_ROUNDS alternating runs, default 3: the machine is shared) and
 * `ratio parquet: X×` = (b) / (a) (target ≥ 0.7×).
 *
 *   npm run bench:sinks:parquet [-- --rows=N --bundle=N]
 */
import "apache-beam";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ParquetWriter } from "parquetjs-lite";
import type { SalesWindowResult } from "../pipelines/sales_aggregation";
import { syntheticWindowResult, type SyntheticResults } from "../transforms/testing/window_results";
import { directRunner } from "../runners/direct/runner";
import { inMemoryRows } from "./sinks_parquet_source";
import { closeParquetSinks, parquetSinks } from "../transforms/sinks/parquet";
import { ParquetDataset } from "../transforms/sinks/parquet_dataset";
import { resultRow, resultRowDate, resultRowKey, resultSchema, MONEY_METADATA, type ResultRow } from "../transforms/sinks/parquet_rows";
import { syncDirectory } from "../transforms/sinks/parquet_log";

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

function freshDir(name: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `bench-parquet-${name}-`));
}

async function fsyncFile(file: string): Promise<void> {
  const handle = await fs.promises.open(file, "r+");
  await handle.sync();
  await handle.close();
}

/** (a) The raw writer: the same rows (converted up front), one file per MAX_ROWS_PER_FILE rows, fsynced. */
async function runRaw(results: readonly SalesWindowResult[]): Promise<number> {
  const dir = freshDir("raw");
  const rows: ResultRow[] = results.map(resultRow);
  const started = process.hrtime.bigint();
  for (let from = 0, n = 0; from < rows.length; from += MAX_ROWS_PER_FILE, n++) {
    const file = path.join(dir, `part-${n}.parquet`);
    const writer = await ParquetWriter.openFile(resultSchema(), file);
    writer.setMetadata("money", MONEY_METADATA);
    const end = Math.min(rows.length, from + MAX_ROWS_PER_FILE);
    for (let i = from; i < end; i++) await writer.appendRow(rows[i]);
    await writer.close();
    await fsyncFile(file);
  }
  await syncDirectory(dir);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  fs.rmSync(dir, { recursive: true, force: true });
  return rows.length / seconds;
}

function bundles(all: readonly SalesWindowResult[]): SalesWindowResult[][] {
  const out: SalesWindowResult[][] = [];
  for (let i = 0; i < all.length; i += BUNDLE) out.push(all.slice(i, i + BUNDLE));
  return out;
}

/** (b) The sink in a pipeline on the direct runner, fed by an in-memory source in bundles. */
async function runSink(results: readonly SalesWindowResult[]): Promise<number> {
  const dir = freshDir("sink");
  const started = process.hrtime.bigint();
  const sinks = parquetSinks({ dir, maxRowsPerFile: MAX_ROWS_PER_FILE, maxFileAgeMs: Number.POSITIVE_INFINITY });
  await directRunner().run((root) => {
    root.apply(inMemoryRows(results, (r) => r.window.start, BUNDLE)).apply(sinks.results);
  });
  await closeParquetSinks();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  fs.rmSync(dir, { recursive: true, force: true });
  return results.length / seconds;
}

/** (c) The dataset alone: stage per bundle (staging log + fsync), roll-over, close. */
async function runDataset(results: readonly SalesWindowResult[]): Promise<number> {
  const dir = freshDir("dataset");
  const parts = bundles(results);
  const started = process.hrtime.bigint();
  const dataset = await ParquetDataset.open<ResultRow>({
    root: path.join(dir, "results"),
    schema: resultSchema,
    keyOf: resultRowKey,
    partitionOf: resultRowDate,
    maxRowsPerFile: MAX_ROWS_PER_FILE,
    maxFileAgeMs: Number.POSITIVE_INFINITY,
    metadata: { money: MONEY_METADATA },
  });
  for (const part of parts) await dataset.stage(part.map(resultRow));
  await dataset.close();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  fs.rmSync(dir, { recursive: true, force: true });
  return results.length / seconds;
}

async function main(): Promise<void> {
  const results = makeResults(ROWS);
  console.log(
    `bench:sinks:parquet — ${ROWS.toLocaleString("en")} final window results, bundles of ${BUNDLE}, ` +
      `${MAX_ROWS_PER_FILE.toLocaleString("en")} rows per file, best of ${ROUNDS} (Node ${process.version})`,
  );
  const best = { raw: 0, sink: 0, dataset: 0 };
  for (let round = 1; round <= ROUNDS; round++) {
    const raw = await runRaw(results);
    const sink = await runSink(results);
    const dataset = await runDataset(results);
    best.raw = Math.max(best.raw, raw);
    best.sink = Math.max(best.sink, sink);
    best.dataset = Math.max(best.dataset, dataset);
    console.log(
      `round ${round}: raw ${Math.round(raw).toLocaleString("en")} rows/s, sink ${Math.round(sink).toLocaleString("en")} rows/s, ` +
        `dataset ${Math.round(dataset).toLocaleString("en")} rows/s`,
    );
  }
  console.log("\n| writer | rows/s |\n| --- | ---: |");
  console.log(`| (a) raw parquetjs-lite writer | ${Math.round(best.raw).toLocaleString("en")} |`);
  console.log(`| (b) Parquet sink on the direct runner | ${Math.round(best.sink).toLocaleString("en")} |`);
  console.log(`| (c) the sink's dataset alone (no runner) | ${Math.round(best.dataset).toLocaleString("en")} |`);
  console.log(`\nratio parquet: ${(best.sink / best.raw).toFixed(2)}× (target ≥ 0.7×)`);
  console.log(`ratio parquet dataset alone: ${(best.dataset / best.raw).toFixed(2)}×`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
