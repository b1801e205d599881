/**
 * The sales job's PostgreSQL tables, created idempotently at start-up in the chosen schema (the machinery:
 * transforms/sinks/postgres_schema.ts), each with the statement that writes a batch of it idempotently
 * (postgres_statements.ts):
 *
 *   sales_window_results  one row per (key_kind, key, window_start, window_end): the newest pane's aggregate
 *   sales_late_data       one row per (event_id, window_start, window_end): an event too late for that window
 *   sales_dead_letters    one row per (topic, partition, "offset"): a record that could not be parsed
 *   sales_source_progress one row per (group_id, topic, partition): the offset the group last committed, as the
 *                         sinks saw it (source_progress.ts: a broker that lost its offsets is noticed at start)
 *   sales_schema_version  one row: the version of these shapes
 */
import { requireForSerialization } from "apache-beam/serialization";
import { column, type TableSet, type TableShape, type TableSpec } from "../transforms/sinks/postgres_table_spec";
import type { LateSale } from "./late_sale";
import type { DeadLetter } from "./parse_sales_events";
import { writeDeadLetters, writeLate, writeResults } from "./postgres_statements";
import type { SalesWindowResult } from "./window_result";

export const SCHEMA_VERSION = 1;

export const TABLES = {
  results: "sales_window_results",
  late: "sales_late_data",
  deadLetters: "sales_dead_letters",
  progress: "sales_source_progress",
  version: "sales_schema_version",
} as const;

export type TableKind = Exclude<keyof typeof TABLES, "version" | "progress">;

const WRITTEN_AT = column("written_at", "timestamptz", { defaultNow: true });

const RESULTS: TableShape = {
  name: TABLES.results,
  columns: [
    column("key_kind", "text"),
    column("key", "text"),
    column("window_start", "timestamptz"),
    column("window_end", "timestamptz"),
    column("sum", "numeric(20, 2)"),
    column("count", "bigint"),
    column("avg", "numeric(20, 2)"),
    column("pane_timing", "text"),
    column("pane_index", "integer"),
    column("final", "boolean"),
    WRITTEN_AT,
  ],
  primaryKey: ["key_kind", "key", "window_start", "window_end"],
};

const LATE: TableShape = {
  name: TABLES.late,
  columns: [
    column("event_id", "text"),
    column("window_start", "timestamptz"),
    column("window_end", "timestamptz"),
    column("key", "text"),
    column("event_time", "timestamptz"),
    column("watermark", "timestamptz"),
    column("reason", "text"),
    column("event", "jsonb"),
    WRITTEN_AT,
  ],
  primaryKey: ["event_id", "window_start", "window_end"],
};

const DEAD_LETTERS: TableShape = {
  name: TABLES.deadLetters,
  columns: [
    column("topic", "text"),
    column("partition", "integer"),
    column("offset", "bigint"),
    column("record_key", "text", { nullable: true }),
    column("record_timestamp", "timestamptz"),
    column("reason", "text"),
    column("raw_excerpt", "text"),
    column("raw", "bytea", { nullable: true }),
    column("raw_size", "integer"),
    WRITTEN_AT,
  ],
  primaryKey: ["topic", "partition", "offset"],
};

const PROGRESS: TableShape = {
  name: TABLES.progress,
  columns: [column("group_id", "text"), column("topic", "text"), column("partition", "integer"), column("offset", "bigint"), WRITTEN_AT],
  primaryKey: ["group_id", "topic", "partition"],
};

/** The tables of the sales sinks, created and versioned together (the progress table came later: created if missing). */
const SALES_TABLE_SET: TableSet = {
  component: "sales-sinks",
  version: SCHEMA_VERSION,
  versionTable: TABLES.version,
  tables: [RESULTS, LATE, DEAD_LETTERS, PROGRESS],
  // The session-merge statements look rows up by key and window start.
  indexes: [{ name: `${TABLES.results}_by_key`, table: TABLES.results, columns: ["key_kind", "key", "window_start"] }],
};

/** Window results: the newest pane of each (key kind, key, window); a key's writes stay in order. */
const RESULTS_TABLE: TableSpec<SalesWindowResult> = {
  ...RESULTS,
  kind: "results",
  set: SALES_TABLE_SET,
  orderKey: (row) => `${row.keyKind}\u0000${row.key}`,
  write: writeResults,
};

/** Late data: one row per event and missed window; an event's writes stay in order. */
const LATE_TABLE: TableSpec<LateSale> = {
  ...LATE,
  kind: "late",
  set: SALES_TABLE_SET,
  orderKey: (row) => row.value.event_id,
  write: writeLate,
};

/** Dead letters: one row per Kafka record (topic, partition, offset). */
const DEAD_LETTERS_TABLE: TableSpec<DeadLetter> = {
  ...DEAD_LETTERS,
  kind: "deadLetters",
  set: SALES_TABLE_SET,
  orderKey: (row) => `${row.topic}\u0000${row.partition}\u0000${row.offset}`,
  write: writeDeadLetters,
};

/** The sales tables by kind. */
export const SALES_TABLES = { results: RESULTS_TABLE, late: LATE_TABLE, deadLetters: DEAD_LETTERS_TABLE } as const;

// The sink DoFns reference these specs: registered, so they travel by reference, not as copied closures. (Local
// consts exported here: the closure transform does not follow an exported const's shorthand property.)
requireForSerialization(__filename, { SALES_TABLE_SET, RESULTS_TABLE, LATE_TABLE, DEAD_LETTERS_TABLE });
export { SALES_TABLE_SET, RESULTS_TABLE, LATE_TABLE, DEAD_LETTERS_TABLE };
