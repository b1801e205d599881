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

/** One column: its DDL type (which information_schema reports as `reported`), nullability and default. */
interface Column {
  readonly name: string;
  readonly type: string;
  readonly reported: string;
  readonly nullable: boolean;
  readonly defaultNow: boolean;
}

/** A column; `type` is the DDL type, e.g. `numeric(20, 2)` (reported as `numeric`) or `timestamptz`. */
function column(name: string, type: string, options: { nullable?: boolean; defaultNow?: boolean } = {}): Column {
  const reported = type === "timestamptz" ? "timestamp with time zone" : type.replace(/\(.*\)$/, "");
  return { name, type, reported, nullable: options.nullable ?? false, defaultNow: options.defaultNow ?? false };
}

interface TableShape {
  readonly name: string;
  /** Each column once: the DDL and the shape check are both derived from it. */
  readonly columns: readonly Column[];
  readonly primaryKey: readonly string[];
}

const WRITTEN_AT = column("written_at", "timestamptz", { defaultNow: true });

const SHAPES: readonly TableShape[] = [
  {
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
  },
  {
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
  },
  {
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
  },
  {
    name: TABLES.version,
    columns: [column("component", "text"), column("version", "integer"), column("created_at", "timestamptz", { defaultNow: true })],
    primaryKey: ["component"],
  },
];

/** CREATE TABLE IF NOT EXISTS for a shape. */
function ddl(qualifiedName: string, shape: TableShape): string {
  const columns = shape.columns.map(
    (c) => `${ident(c.name)} ${c.type}${c.nullable ? "" : " NOT NULL"}${c.defaultNow ? " DEFAULT now()" : ""}`,
  );
  return `CREATE TABLE IF NOT EXISTS ${qualifiedName} (${columns.join(", ")}, PRIMARY KEY (${shape.primaryKey.map(ident).join(", ")}))`;
}

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
  for (const { name, reported } of shape.columns) {
    const found = actual.get(name);
    if (found === undefined) {
      throw new PostgresSchemaError(`table ${where} exists without column ${name} (${reported}): ${fix}`);
    }
    if (found !== reported) {
      throw new PostgresSchemaError(`table ${where} has column ${name} of type ${found}, expected ${reported}: ${fix}`);
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
      await client.query(ddl(qualified(target.schema, shape.name), shape));
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
