/**
 * The Parquet sinks of the sales job: final window results and late records as Hive-partitioned Parquet files,
 * exactly once across crashes (the machinery: transforms/sinks/parquet.ts; design: docs/guarantees.md, "Parquet
 * sink"; layout: docs/operations.md).
 *
 *   <dir>/results/date=YYYY-MM-DD/part-*.parquet   one row per final pane (pane.isLast), by the window's UTC date
 *   <dir>/late/date=YYYY-MM-DD/part-*.parquet      one row per late record, by the event's UTC date
 *
 * After the run, call closeParquetSinks() to write the last staged rows (a normal process exit does it too).
 */
import { requireForSerialization } from "apache-beam/serialization";
import {
  openParquetDataset,
  parquetDatasetSpec,
  parquetTable,
  type DatasetSpec,
  type ParquetSinkOptions,
  type ParquetTable,
} from "../transforms/sinks/parquet";
import type { Sink } from "../transforms/sinks/sink";
import type { LateSale } from "./late_sale";
import {
  isFinal,
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
import type { SalesWindowResult } from "./window_result";

export { closeParquetSinks, type ParquetSinkOptions } from "../transforms/sinks/parquet";

/** Final window results, one row per (key kind, key, window), partitioned by the window's start date. */
const PARQUET_RESULTS: ParquetTable<SalesWindowResult, ResultRow> = {
  columns: RESULT_COLUMNS,
  rowOf: resultRow,
  keyOf: resultRowKey,
  partitionOf: resultRowDate,
  renamedFields: RENAMED_FIELDS,
};

/** Late records, one row per event and its missed windows, partitioned by the event's date. */
const PARQUET_LATE: ParquetTable<LateSale, LateRow> = {
  columns: LATE_COLUMNS,
  rowOf: lateRow,
  keyOf: lateRowKey,
  partitionOf: lateRowDate,
  renamedFields: RENAMED_FIELDS,
};

// The sink DoFns reference these: registered, so they travel by reference. (Local consts exported below: the
// closure transform does not follow an exported const's shorthand property.)
requireForSerialization(__filename, { PARQUET_RESULTS, PARQUET_LATE });
export { PARQUET_RESULTS, PARQUET_LATE };

/** The datasets' specs, checked: a bad option is an error when the pipeline is built. */
export function parquetSpecs(options: ParquetSinkOptions): { readonly results: DatasetSpec; readonly late: DatasetSpec } {
  return { results: parquetDatasetSpec(options, "results"), late: parquetDatasetSpec(options, "late") };
}

/** Writes the final pane of every window (other panes are skipped: the final one carries the whole window). */
export function parquetResults(spec: DatasetSpec): Sink<SalesWindowResult> {
  return parquetTable("writeParquetResults", spec, PARQUET_RESULTS, isFinal);
}

/** Writes every late record. */
export function parquetLate(spec: DatasetSpec): Sink<LateSale> {
  return parquetTable("writeParquetLateData", spec, PARQUET_LATE);
}

/** The Parquet sinks of the sales pipeline (results and late data) under `options.dir`. */
export function parquetSinks(options: ParquetSinkOptions): { readonly results: Sink<SalesWindowResult>; readonly late: Sink<LateSale> } {
  const specs = parquetSpecs(options);
  // Open (and recover from a crash) now, not at the first row: a restart writes what an earlier run staged even if
  // it has nothing new. An error here is reported by the first write or by closeParquetSinks().
  void openParquetDataset(specs.results, PARQUET_RESULTS).catch(() => undefined);
  void openParquetDataset(specs.late, PARQUET_LATE).catch(() => undefined);
  return { results: parquetResults(specs.results), late: parquetLate(specs.late) };
}
