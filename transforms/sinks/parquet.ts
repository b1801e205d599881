/**
 * The Parquet sink, generic over a table (parquet_registry.ts `ParquetTable`): elements become rows of a
 * Hive-partitioned Parquet dataset, exactly once across crashes (design: parquet_dataset.ts and
 * docs/guarantees.md, "Parquet sink"; layout: docs/operations.md).
 *
 *   <dir>/<kind>/date=YYYY-MM-DD/part-*.parquet
 *
 * Each bundle's rows are made durable in the dataset's staging log in finishBundle (so the runner commits Kafka
 * offsets only behind rows that survive a crash); Parquet files roll over by rows and by age. After the run, call
 * closeParquetSinks() to write the last staged rows (a normal process exit does it too). The sales job's two
 * datasets: sales/parquet_sinks.ts.
 */
import "apache-beam";
import * as path from "path";
import { withName } from "apache-beam/transforms/transform";
import { asyncParDo } from "../async_pardo";
import { stageParquetRows, type DatasetSpec, type ParquetTable } from "./parquet_registry";
import { DEFAULT_COMPACT_AFTER_KEYS } from "./parquet_dataset";
import type { Sink } from "./sink";

export { closeParquetSinks, openParquetDataset, type DatasetSpec, type ParquetTable } from "./parquet_registry";

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

/** The spec of dataset `kind` under `options.dir`, checked: a bad option is an error when the pipeline is built. */
export function parquetDatasetSpec(options: ParquetSinkOptions, kind: string): DatasetSpec {
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
  return { dir: path.resolve(options.dir), kind, maxRowsPerFile, maxFileAgeMs, compactAfterKeys };
}

/**
 * A sink staging the elements `keep` accepts (every element without it) as rows of `table` in the dataset of
 * `spec`. `keep` is serialized with the DoFn: a plain function of the element.
 */
export function parquetTable<E, R extends object>(
  name: string,
  spec: DatasetSpec,
  table: ParquetTable<E, R>,
  keep?: (element: E) => boolean,
): Sink<E> {
  return withName(
    name,
    asyncParDo<E, never, Bundle<E>>(
      {
        process: function bufferRow(element: E, context: Bundle<E>): void {
          if (keep === undefined || keep(element)) context.buffer.rows.push(element);
        },
        finishBundle: async function stageRows(context: Bundle<E>): Promise<void> {
          if (context.buffer.rows.length === 0) return;
          await stageParquetRows(spec, table, context.buffer.rows.splice(0));
        },
      },
      { buffer: { rows: [] } },
    ),
  );
}
