/**
 * The Parquet datasets open in this process, by folder. The sink DoFns are serialized into the pipeline proto, so
 * they cannot hold an open file: they carry a plain DatasetSpec and call stageParquetRows(), which this module
 * registers for serialization by reference (it runs in this process, like our direct runner).
 *
 * The last staged rows are written into Parquet files by closeParquetSinks() (call it after the run), and, as a
 * safety net, when the process is about to exit normally (`beforeExit`). A crash leaves them in the staging log;
 * the next open() writes them.
 */
import { sinkMetrics } from "./sink_metrics";
import * as path from "path";
import { requireForSerialization } from "apache-beam/serialization";
import type { LateSale, SalesWindowResult } from "../../pipelines/sales_aggregation";
import { ParquetDataset, type ParquetDatasetOptions } from "./parquet_dataset";
import {
  LATE_COLUMNS,
  lateRow,
  lateRowDate,
  lateRowKey,
  RENAMED_FIELDS,
  RESULT_COLUMNS,
  resultRow,
  resultRowDate,
  resultRowKey,
  type LateRow,
  type ResultRow,
} from "./parquet_rows";

export type DatasetKind = "results" | "late";

/** Plain data (serialized with the DoFn): which dataset and how it rolls over. */
export interface DatasetSpec {
  readonly dir: string;
  readonly kind: DatasetKind;
  readonly maxRowsPerFile: number;
  readonly maxFileAgeMs: number;
  readonly compactAfterKeys: number;
}

const openResults = new Map<string, Promise<ParquetDataset<ResultRow>>>();
const openLate = new Map<string, Promise<ParquetDataset<LateRow>>>();
let exitHookInstalled = false;

function rootOf(spec: DatasetSpec): string {
  return path.join(path.resolve(spec.dir), spec.kind);
}

function optionsOf<R>(
  spec: DatasetSpec,
  rows: Pick<ParquetDatasetOptions<R>, "columns" | "keyOf" | "partitionOf">,
): ParquetDatasetOptions<R> {
  return {
    root: rootOf(spec),
    ...rows,
    maxRowsPerFile: spec.maxRowsPerFile,
    maxFileAgeMs: spec.maxFileAgeMs,
    compactAfterKeys: spec.compactAfterKeys,
    renamedFields: RENAMED_FIELDS,
  };
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("beforeExit", () => {
    exitHookInstalled = false;
    closeParquetSinks().catch((error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    });
  });
}

function datasetOf<R extends object>(open: Map<string, Promise<ParquetDataset<R>>>, options: ParquetDatasetOptions<R>): Promise<ParquetDataset<R>> {
  let dataset = open.get(options.root);
  if (!dataset) {
    dataset = ParquetDataset.open(options);
    dataset.catch(() => undefined); // reported to whoever awaits it
    open.set(options.root, dataset);
    installExitHook();
  }
  return dataset;
}

function resultsDataset(spec: DatasetSpec): Promise<ParquetDataset<ResultRow>> {
  return datasetOf(openResults, optionsOf<ResultRow>(spec, { columns: RESULT_COLUMNS, keyOf: resultRowKey, partitionOf: resultRowDate }));
}

function lateDataset(spec: DatasetSpec): Promise<ParquetDataset<LateRow>> {
  return datasetOf(openLate, optionsOf<LateRow>(spec, { columns: LATE_COLUMNS, keyOf: lateRowKey, partitionOf: lateRowDate }));
}

/** Opens (and recovers) the dataset of `spec` now; a folder that cannot be written fails here. */
export async function openParquetDataset(spec: DatasetSpec): Promise<void> {
  await (spec.kind === "results" ? resultsDataset(spec) : lateDataset(spec));
}

/** Stages one bundle's final results durably (called from the sink's finishBundle). */
export async function stageParquetResults(spec: DatasetSpec, results: readonly SalesWindowResult[]): Promise<void> {
  await measured(results.length, async () => (await resultsDataset(spec)).stage(results.map(resultRow)));
}

/** Stages one bundle's late records durably (called from the sink's finishBundle). */
export async function stageParquetLate(spec: DatasetSpec, late: readonly LateSale[]): Promise<void> {
  await measured(late.length, async () => (await lateDataset(spec)).stage(late.map(lateRow)));
}

/**
 * Sink metrics (sink="parquet", docs/operations.md): rows made durable (staged and fsynced: they are in the dataset
 * after the next roll-over, or at restart), how long a bundle's staging took, and readiness.
 */
async function measured(rows: number, stage: () => Promise<void>): Promise<void> {
  const startedAt = process.hrtime.bigint();
  try {
    await stage();
  } catch (error) {
    sinkMetrics().setReady("parquet", false, error instanceof Error ? error.message : String(error));
    throw error;
  }
  sinkMetrics().rowsWritten("parquet", rows);
  sinkMetrics().observeBatch("parquet", Number(process.hrtime.bigint() - startedAt) / 1e9);
  sinkMetrics().setReady("parquet", true);
}

/** Writes every staged row into committed Parquet files and closes the datasets open in this process. */
export async function closeParquetSinks(): Promise<void> {
  const closing = [...openResults.values(), ...openLate.values()].map(async (d) => (await d).close());
  openResults.clear();
  openLate.clear();
  const results = await Promise.allSettled(closing);
  for (const r of results) if (r.status === "rejected") throw r.reason;
}

// The sink DoFns call these; they are registered, not serialized (they reach the open datasets of this process).
requireForSerialization(__filename, { stageParquetResults, stageParquetLate });
