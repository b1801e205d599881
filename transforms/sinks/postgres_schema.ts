/**
 * The PostgreSQL sink's tables, created idempotently at start-up in the chosen schema, with a schema version
 * recorded. A table that already exists with another shape (a missing column, another type, another primary
 * key) or a recorded version this code does not know is a one-line error: never altered silently.
 *
 *   sales_window_results  one row per (key_kind, key, window_start, window_end): the newest pane's aggregate
 *   sales_late_data       one row per (event_id, window_start, window_end): an event too late for that window
 *   sales_dead_letters    one row per (topic, partition, "offset"): a record that could not be parsed
 *   sales_schema_version  one row: the version of these shapes
 */
import type { PoolClient } from "pg";
import { ident, inTransaction, type PostgresTarget } from "./postgres_connection";

export const SCHEMA_VERSION = 1;

export const TABLES = {
  results: "sales_window_results",
  late: "sales_late_data",
  deadLetters: "sales_dead_letters",
  version: "sales_schema_version",
} as const;

export type TableKind = Exclude<keyof typeof TABLES, "version">;

interface TableShape {
  readonly name: string;
  /** column → PostgreSQL type as information_schema.columns reports it (data_type). */
  readonly columns: Readonly<Record<string, string>>;
  readonly primaryKey: readonly string[];
  readonly ddl: (qualified: string) => string;
}

const SHAPES: readonly TableShape[] = [
  {
    name: TABLES.results,
    columns: {
      key_kind: "text",
      key: "text",
      window_start: "timestamp with time zone",
      window_end: "timestamp with time zone",
      sum: "numeric",
      count: "bigint",
      avg: "numeric",
      pane_timing: "text",
      pane_index: "integer",
      final: "boolean",
      written_at: "timestamp with time zone",
    },
    primaryKey: ["key_kind", "key", "window_start", "window_end"],
    ddl: (t) => `CREATE TABLE IF NOT EXISTS ${t} (
      key_kind text NOT NULL,
      key text NOT NULL,
      window_start timestamptz NOT NULL,
      window_end timestamptz NOT NULL,
      sum numeric(20, 2) NOT NULL,
      count bigint NOT NULL,
      avg numeric(20, 2) NOT NULL,
      pane_timing text NOT NULL,
      pane_index integer NOT NULL,
      final boolean NOT NULL,
      written_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (key_kind, key, window_start, window_end))`,
  },
  {
    name: TABLES.late,
    columns: {
      event_id: "text",
      window_start: "timestamp with time zone",
      window_end: "timestamp with time zone",
      key: "text",
      event_time: "timestamp with time zone",
      watermark: "timestamp with time zone",
      reason: "text",
      event: "jsonb",
      written_at: "timestamp with time zone",
    },
    primaryKey: ["event_id", "window_start", "window_end"],
    ddl: (t) => `CREATE TABLE IF NOT EXISTS ${t} (
      event_id text NOT NULL,
      window_start timestamptz NOT NULL,
      window_end timestamptz NOT NULL,
      key text NOT NULL,
      event_time timestamptz NOT NULL,
      watermark timestamptz NOT NULL,
      reason text NOT NULL,
      event jsonb NOT NULL,
      written_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (event_id, window_start, window_end))`,
  },
  {
    name: TABLES.deadLetters,
    columns: {
      topic: "text",
      partition: "integer",
      offset: "bigint",
      record_key: "text",
      record_timestamp: "timestamp with time zone",
      reason: "text",
      raw_excerpt: "text",
      raw: "bytea",
      raw_size: "integer",
      written_at: "timestamp with time zone",
    },
    primaryKey: ["topic", "partition", "offset"],
    ddl: (t) => `CREATE TABLE IF NOT EXISTS ${t} (
      topic text NOT NULL,
      partition integer NOT NULL,
      "offset" bigint NOT NULL,
      record_key text,
      record_timestamp timestamptz NOT NULL,
      reason text NOT NULL,
      raw_excerpt text NOT NULL,
      raw bytea,
      raw_size integer NOT NULL,
      written_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (topic, partition, "offset"))`,
  },
  {
    name: TABLES.version,
    columns: { component: "text", version: "integer", created_at: "timestamp with time zone" },
    primaryKey: ["component"],
    ddl: (t) => `CREATE TABLE IF NOT EXISTS ${t} (
      component text PRIMARY KEY,
      version integer NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now())`,
  },
];

/** schema.table, quoted. */
export function qualified(schema: string, table: string): string {
  return `${ident(schema)}.${ident(table)}`;
}

/** A table exists with a shape the sink cannot write, or a version it does not know. One line. */
export class PostgresSchemaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PostgresSchemaError";
  }
}

async function checkShape(client: PoolClient, schema: string, shape: TableShape): Promise<void> {
  const columns = await client.query<{ column_name: string; data_type: string }>(
    "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2",
    [schema, shape.name],
  );
  const actual = new Map(columns.rows.map((r) => [r.column_name, r.data_type]));
  const where = `${schema}.${shape.name}`;
  const fix = `drop or rename it, or choose another --pg-schema`;
  for (const [column, type] of Object.entries(shape.columns)) {
    const found = actual.get(column);
    if (found === undefined) {
      throw new PostgresSchemaError(`table ${where} exists without column ${column} (${type}): ${fix}`);
    }
    if (found !== type) {
      throw new PostgresSchemaError(`table ${where} has column ${column} of type ${found}, expected ${type}: ${fix}`);
    }
  }
  const pk = await client.query<{ attname: string }>(
    `SELECT a.attname FROM pg_index i
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
      WHERE i.indrelid = $1::regclass AND i.indisprimary`,
    [qualified(schema, shape.name)],
  );
  const keys = pk.rows.map((r) => r.attname).sort();
  if (keys.join(",") !== [...shape.primaryKey].sort().join(",")) {
    throw new PostgresSchemaError(
      `table ${where} has primary key (${keys.join(", ") || "none"}), expected (${shape.primaryKey.join(", ")}): ${fix}`,
    );
  }
}

/**
 * Creates the schema and the tables if missing and checks the shape of every table and the recorded version.
 * Safe to call concurrently (an advisory lock serializes it) and repeatedly.
 */
export async function ensureSchema(target: PostgresTarget): Promise<void> {
  await inTransaction(target.url, async (client) => {
    await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`sales-sinks:${target.schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${ident(target.schema)}`);
    for (const shape of SHAPES) {
      await client.query(shape.ddl(qualified(target.schema, shape.name)));
      await checkShape(client, target.schema, shape);
    }
    // The session-merge statements look rows up by key and window start.
    await client.query(
      `CREATE INDEX IF NOT EXISTS ${ident(`${TABLES.results}_by_key`)} ON ${qualified(target.schema, TABLES.results)} (key_kind, key, window_start)`,
    );
    const version = qualified(target.schema, TABLES.version);
    await client.query(`INSERT INTO ${version} (component, version) VALUES ('sales-sinks', $1) ON CONFLICT DO NOTHING`, [
      SCHEMA_VERSION,
    ]);
    const recorded = await client.query<{ version: number }>(`SELECT version FROM ${version} WHERE component = 'sales-sinks'`);
    const found = recorded.rows[0]?.version;
    if (found !== SCHEMA_VERSION) {
      throw new PostgresSchemaError(
        `schema ${target.schema} records sink tables of version ${String(found)}, this build writes version ` +
          `${SCHEMA_VERSION}: migrate them or choose another --pg-schema`,
      );
    }
  });
}
