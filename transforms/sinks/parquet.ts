/**
 * The Parquet sink: final window results and late records as Hive-partitioned Parquet files, exactly once across
 * crashes (design: parquet_dataset.ts and docs/guarantees.md, "Parquet sink"; layout: docs/operations.md).
 *
 *   <dir>/results/date=YYYY-MM-DD/part-*.parquet   one row per final pane (pane.isLast), by the window's UTC date
 *   <dir>/late/date=YYYY-MM-DD/part-*.parquet      one row per late record, by the event's UTC date
 *
 * Each bundle's rows are made durable in the dataset's staging log in finishBundle (so the runner commits Kafka
 * offsets only behind rows that survive a crash); Parquet files roll over by rows and by age. After the run, call
 * closeParquetSinks() to write the last staged rows (a normal process exit does it too).
 */
import "apache-beam";
import * as path from "path";
import { withName } from "apache-beam/transforms/transform";
import type { LateSale, SalesWindowResult, Sink } from "../../pipelines/sales_aggregation";
import { asyncParDo } from "../async_pardo";
import { openParquetDataset, stageParquetLate, stageParquetResults, type DatasetSpec } from "./parquet_registry";
import { DEFAULT_COMPACT_AFTER_KEYS } from "./parquet_dataset";

export { closeParquetSinks, openParquetDataset, type DatasetSpec } from "./parquet_registry";

export interface ParquetSinkOptions {
  readonly dir: string;
  /** Roll over to a new file at this many rows (default 100,000). */
  readonly maxRowsPerFile?: number;
  /** Roll over when the oldest row not yet in a file is this old (default 60 s). */
  readonly maxFileAgeMs?: number;
  /** Compact the commit log once it holds this many keys (default 100,000; parquet_dataset.ts). */
  readonly compactAfterKeys?: number;
}

export const DEFAULT_MAX_ROWS_PER_FILE = 100_000;
export const DEFAULT_MAX_FILE_AGE_MS = 60_000;

interface Bundle<T> {
  readonly buffer: { rows: T[] };
}

/** The datasets' specs, checked: a bad option is an error when the pipeline is built. */
export function parquetSpecs(options: ParquetSinkOptions): { readonly results: DatasetSpec; readonly late: DatasetSpec } {
  if (typeof options.dir !== "string" || options.dir.trim() === "") {
    throw new Error("Parquet sink: the folder is empty; pass --parquet-dir <folder>");
  }
  const maxRowsPerFile = options.maxRowsPerFile ?? DEFAULT_MAX_ROWS_PER_FILE;
  if (!Number.isInteger(maxRowsPerFile) || maxRowsPerFile < 1) {
    throw new Error(`Parquet sink: maxRowsPerFile must be a whole number ≥ 1, got ${maxRowsPerFile}`);
  }
  const maxFileAgeMs = options.maxFileAgeMs ?? DEFAULT_MAX_FILE_AGE_MS;
  if (Number.isNaN(maxFileAgeMs) || maxFileAgeMs < 0) {
    throw new Error(`Parquet sink: maxFileAgeMs must be ≥ 0 (ms), got ${maxFileAgeMs}`);
  }
  const compactAfterKeys = options.compactAfterKeys ?? DEFAULT_COMPACT_AFTER_KEYS;
  if (!Number.isInteger(compactAfterKeys) || compactAfterKeys < 1) {
    throw new Error(`Parquet sink: compactAfterKeys must be a whole number ≥ 1, got ${compactAfterKeys}`);
  }
  const dir = path.resolve(options.dir);
  return {
    results: { dir, kind: "results", maxRowsPerFile, maxFileAgeMs, compactAfterKeys },
    late: { dir, kind: "late", maxRowsPerFile, maxFileAgeMs, compactAfterKeys },
  };
}

/** Writes the final pane of every window (other panes are skipped: the final one carries the whole window). */
export function parquetResults(spec: DatasetSpec): Sink<SalesWindowResult> {
  return withName(
    "writeParquetResults",
    asyncParDo<SalesWindowResult, never, Bundle<SalesWindowResult>>(
      {
        process: function keepFinalPane(result: SalesWindowResult, context: Bundle<SalesWindowResult>): void {
          if (result.pane.isLast) context.buffer.rows.push(result);
        },
        finishBundle: async function stageResults(context: Bundle<SalesWindowResult>): Promise<void> {
          if (context.buffer.rows.length === 0) return;
          await stageParquetResults(spec, context.buffer.rows.splice(0));
        },
      },
      { buffer: { rows: [] } },
    ),
  );
}

/** Writes every late record. */
export function parquetLate(spec: DatasetSpec): Sink<LateSale> {
  return withName(
    "writeParquetLateData",
    asyncParDo<LateSale, never, Bundle<LateSale>>(
      {
        process: function keepLate(late: LateSale, context: Bundle<LateSale>): void {
          context.buffer.rows.push(late);
        },
        finishBundle: async function stageLate(context: Bundle<LateSale>): Promise<void> {
          if (context.buffer.rows.length === 0) return;
          await stageParquetLate(spec, context.buffer.rows.splice(0));
        },
      },
      { buffer: { rows: [] } },
    ),
  );
}

/** The Parquet sinks of the sales pipeline (results and late data) under `options.dir`. */
export function parquetSinks(options: ParquetSinkOptions): { readonly results: Sink<SalesWindowResult>; readonly late: Sink<LateSale> } {
  const specs = parquetSpecs(options);
  // Open (and recover from a crash) now, not at the first row: a restart writes what an earlier run staged even if
  // it has nothing new. An error here is reported by the first write or by closeParquetSinks().
  void openParquetDataset(specs.results).catch(() => undefined);
  void openParquetDataset(specs.late).catch(() => undefined);
  return { results: parquetResults(specs.results), late: parquetLate(specs.late) };
}
