/**
 * PostgreSQL for integration tests: the server at PGURL (default postgres://postgres@127.0.0.1:5432/test, which
 * jest's global setup makes available), a fresh uniquely named schema per test, and queries.
 */
import { Client } from "pg";
import { DEFAULT_PG_URL } from "../../infra/stack/options";
import { closePools } from "../../transforms/sinks/postgres_connection";
import { resetPostgresWriters } from "../../transforms/sinks/postgres_writer";

export const PG_URL = process.env.PGURL ?? DEFAULT_PG_URL;

let counter = 0;

/** A schema name no other test (or test run) uses. */
export function uniqueSchema(prefix: string): string {
  counter += 1;
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${counter}`.toLowerCase();
}

export async function query<T extends object = Record<string, unknown>>(sql: string, params: unknown[] = [], url = PG_URL): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

export async function dropSchema(schema: string, url = PG_URL): Promise<void> {
  await query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`, [], url).catch(() => undefined);
}

/** Closes the sink's pools and forgets its writers (between tests, and before jest exits). */
export async function resetSinks(): Promise<void> {
  resetPostgresWriters();
  await closePools();
}
