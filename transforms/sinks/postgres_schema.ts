/**
 * A sink's tables, created idempotently at start-up in the chosen schema, with a schema version recorded. A
 * table that already exists with another shape (a missing column, another type, another primary key) or a
 * recorded version this code does not know is a one-line error: never altered silently. Which tables: a
 * TableSet (postgres_table_spec.ts; the sales job's is sales/postgres_tables.ts).
 */
import type { PoolClient } from "pg";
import { ident, inTransaction, type PostgresTarget } from "./postgres_connection";
import { column, type TableSet, type TableShape } from "./postgres_table_spec";

/** The shape of a set's version table: one row per component. */
function versionShape(name: string): TableShape {
  return {
    name,
    columns: [column("component", "text"), column("version", "integer"), column("created_at", "timestamptz", { defaultNow: true })],
    primaryKey: ["component"],
  };
}

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
 * Creates the schema and the set's tables if missing and checks the shape of every table and the recorded
 * version. Safe to call concurrently (an advisory lock serializes it) and repeatedly.
 */
export async function ensureSchema(target: PostgresTarget, set: TableSet): Promise<void> {
  await inTransaction(target.url, async (client) => {
    await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`${set.component}:${target.schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${ident(target.schema)}`);
    for (const shape of [...set.tables, versionShape(set.versionTable)]) {
      await client.query(ddl(qualified(target.schema, shape.name), shape));
      await checkShape(client, target.schema, shape);
    }
    for (const index of set.indexes) {
      await client.query(
        `CREATE INDEX IF NOT EXISTS ${ident(index.name)} ON ${qualified(target.schema, index.table)} (${index.columns.map(ident).join(", ")})`,
      );
    }
    const version = qualified(target.schema, set.versionTable);
    await client.query(`INSERT INTO ${version} (component, version) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [set.component, set.version]);
    const recorded = await client.query<{ version: number }>(`SELECT version FROM ${version} WHERE component = $1`, [set.component]);
    const found = recorded.rows[0]?.version;
    if (found !== set.version) {
      throw new PostgresSchemaError(
        `schema ${target.schema} records sink tables of version ${String(found)}, this build writes version ` +
          `${set.version}: migrate them or choose another --pg-schema`,
      );
    }
  });
}
