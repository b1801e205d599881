/**
 * The Parquet datasets open in this process, by folder. The sink DoFns are serialized into the pipeline proto, so
 * they cannot hold an open file: they carry a plain DatasetSpec and a registered ParquetTable and call
 * stageParquetRows(), which this module registers for serialization by reference (it runs in this process, like
 * our direct runner).
 *
 * The last staged rows are written into Parquet files by closeParquetSinks() (call it after the run), and, as a
 * safety net, when the process is about to exit normally (`beforeExit`). A crash leaves them in the staging log;
 * the next open() writes them.
 */
import { sinkMetrics } from "./sink_metrics";
import * as path from "path";
import { requireForSerialization } from "apache-beam/serialization";
import { ParquetDataset, type ParquetDatasetOptions } from "./parquet_dataset";
import type { Columns } from "./parquet_logical_types";

/** Plain data (serialized with the DoFn): which dataset (the folder `<dir>/<kind>`) and how it rolls over. */
export interface DatasetSpec {
  readonly dir: string;
  readonly kind: string;
  readonly maxRowsPerFile: number;
  readonly maxFileAgeMs: number;
  readonly compactAfterKeys: number;
}

/**
 * What a dataset's rows are: how an element becomes a row, the columns, the key a replayed row is recognized by
 * and the partition a row belongs to. It holds functions: the module declaring one registers it with
 * requireForSerialization, so the sink DoFns reference it instead of copying it.
 */
export interface ParquetTable<E, R extends object> {
  readonly columns: Columns;
  rowOf(element: E): R;
  keyOf(row: R): string;
  partitionOf(row: R): string;
  /** Columns an earlier version wrote under other names (old name → name): a staging log it left is read with these. */
  readonly renamedFields?: Readonly<Record<string, string>>;
}

/** The datasets open in this process, by folder (whatever their rows: this map only closes them). */
const open = new Map<string, Promise<{ close(): Promise<void> }>>();
let exitHookInstalled = false;

function rootOf(spec: DatasetSpec): string {
  return path.join(path.resolve(spec.dir), spec.kind);
}

function optionsOf<E, R extends object>(spec: DatasetSpec, table: ParquetTable<E, R>): ParquetDatasetOptions<R> {
  return {
    root: rootOf(spec),
    columns: table.columns,
    keyOf: (row) => table.keyOf(row),
    partitionOf: (row) => table.partitionOf(row),
    maxRowsPerFile: spec.maxRowsPerFile,
    maxFileAgeMs: spec.maxFileAgeMs,
    compactAfterKeys: spec.compactAfterKeys,
    renamedFields: table.renamedFields ?? {},
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

/** The open dataset of `spec` (one per folder in this process), opening (and recovering) it on first use. */
function datasetOf<E, R extends object>(spec: DatasetSpec, table: ParquetTable<E, R>): Promise<ParquetDataset<R>> {
  const root = rootOf(spec);
  // A folder holds one table's rows: the dataset found under a root is of the table that opened it.
  let dataset = open.get(root) as unknown as Promise<ParquetDataset<R>> | undefined;
  if (!dataset) {
    dataset = ParquetDataset.open(optionsOf(spec, table));
    dataset.catch(() => undefined); // reported to whoever awaits it
    open.set(root, dataset);
    installExitHook();
  }
  return dataset;
}

/** Opens (and recovers) the dataset of `spec` now; a folder that cannot be written fails here. */
export async function openParquetDataset<E, R extends object>(spec: DatasetSpec, table: ParquetTable<E, R>): Promise<void> {
  await datasetOf(spec, table);
}

/** Stages one bundle's elements durably as rows of `table` (called from a sink's finishBundle). */
export async function stageParquetRows<E, R extends object>(spec: DatasetSpec, table: ParquetTable<E, R>, elements: readonly E[]): Promise<void> {
  await measured(elements.length, async () => (await datasetOf(spec, table)).stage(elements.map((e) => table.rowOf(e))));
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
  const closing = [...open.values()].map(async (d) => (await d).close());
  open.clear();
  const results = await Promise.allSettled(closing);
  for (const r of results) if (r.status === "rejected") throw r.reason;
}

// The sink DoFns call this; it is registered, not serialized (it reaches the open datasets of this process).
requireForSerialization(__filename, { stageParquetRows });
