/**
 * What the PostgreSQL sink machinery needs to know of a table: its shape (columns, primary key), the set of
 * tables it belongs to (created and versioned together), which rows must be written in order, and the set-based
 * statement that writes one batch idempotently. A job declares its tables with these (the sales job:
 * sales/postgres_tables.ts); the writer (postgres_writer.ts) and the schema check (postgres_schema.ts) know no
 * table of their own.
 *
 * A TableSpec is referenced from serialized sink DoFns: the module declaring one registers it with
 * requireForSerialization, so it travels by reference (it holds functions and runs in this process).
 */
import type { PoolClient } from "pg";

/** One column: its DDL type (which information_schema reports as `reported`), nullability and default. */
export interface Column {
  readonly name: string;
  readonly type: string;
  readonly reported: string;
  readonly nullable: boolean;
  readonly defaultNow: boolean;
}

/** A column; `type` is the DDL type, e.g. `numeric(20, 2)` (reported as `numeric`) or `timestamptz`. */
export function column(name: string, type: string, options: { nullable?: boolean; defaultNow?: boolean } = {}): Column {
  const reported = type === "timestamptz" ? "timestamp with time zone" : type.replace(/\(.*\)$/, "");
  return { name, type, reported, nullable: options.nullable ?? false, defaultNow: options.defaultNow ?? false };
}

/** A table's shape: each column once (the DDL and the shape check are both derived from it). */
export interface TableShape {
  readonly name: string;
  readonly columns: readonly Column[];
  readonly primaryKey: readonly string[];
}

/** A secondary index created with the tables. */
export interface TableIndex {
  readonly name: string;
  readonly table: string;
  readonly columns: readonly string[];
}

/** Tables created, checked and versioned together (one version row per component in `versionTable`). */
export interface TableSet {
  /** The version row's component, and the advisory lock's name: e.g. "sales-sinks". */
  readonly component: string;
  readonly version: number;
  /** The table recording the version: (component text, version integer, created_at timestamptz). */
  readonly versionTable: string;
  readonly tables: readonly TableShape[];
  readonly indexes: readonly TableIndex[];
}

/** What a batch write did. */
export interface TableWriteOutcome {
  /** Rows written (or kept as they were: an idempotent replay counts too). */
  readonly rows: number;
  /** Rows deleted because a written row replaced them (merged session windows). */
  readonly replaced?: number;
}

/** How the writer asks a table to write a batch. */
export interface TableWriteOptions {
  /** Merging windows (sessions): a row may absorb rows of the windows it contains. */
  readonly mergingWindows: boolean;
}

/** A table the writer can write rows of type R into. */
export interface TableSpec<R> extends TableShape {
  /** A short name for counters and logs: "results". */
  readonly kind: string;
  readonly set: TableSet;
  /** The identity whose writes must stay in order (rows of one identity go to one lane). */
  orderKey(row: R): string;
  /** Writes one batch into `table` (schema-qualified, quoted) inside the caller's transaction. */
  write(client: PoolClient, table: string, rows: readonly R[], options: TableWriteOptions): Promise<TableWriteOutcome>;
}
