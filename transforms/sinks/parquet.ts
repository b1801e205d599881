/**
 * The Parquet sink — built in its own branch (issue 9, Parquet half); this checkout holds only its signature, so
 * that `--sinks parquet` and `npm start` are wired. The lead replaces this file at the merge.
 */
import type { LateSale, SalesWindowResult, Sink } from "../../pipelines/sales_aggregation";

export interface ParquetSinkOptions {
  readonly dir: string;
  readonly maxRowsPerFile?: number;
  readonly maxFileAgeMs?: number;
}

export function parquetSinks(options: ParquetSinkOptions): { readonly results: Sink<SalesWindowResult>; readonly late: Sink<LateSale> } {
  void options;
  throw new Error("the Parquet sink is not built in this checkout");
}
