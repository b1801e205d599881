/**
 * DuckDB (from npm, in this process) as the independent reader of the Parquet datasets: what an analyst's
 * `SELECT ... FROM read_parquet('<dir>/results/**\/*.parquet')` returns, column types included.
 */
import { DuckDBInstance, type Json } from "@duckdb/node-api";

export type DuckRow = Record<string, Json>;

/** Runs `sql` in a fresh in-memory DuckDB and returns its rows (values as DuckDB's JSON rendering). */
export async function duckdb(sql: string): Promise<DuckRow[]> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJson();
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** `read_parquet(...)` of every committed file of a dataset folder (the `date=` folders as a Hive partition). */
export function datasetScan(dir: string): string {
  return `read_parquet('${dir.replace(/'/g, "''")}/date=*/*.parquet', hive_partitioning = true)`;
}

/** Column name → DuckDB type of a query's result (DESCRIBE). */
export async function duckdbTypes(select: string): Promise<Record<string, string>> {
  const rows = await duckdb(`DESCRIBE ${select}`);
  return Object.fromEntries(rows.map((r) => [String(r.column_name), String(r.column_type)]));
}
