/**
 * The Parquet datasets read by DuckDB (an independent reader, as an analyst would) equal PostgreSQL's tables:
 * the main job runs once per windowing (fixed 1-minute windows per product, 30-second sessions per user) over the
 * same seeded topic (late and malformed records included) into both sinks; then per column the types correspond
 * (money DECIMAL(18,2) ↔ numeric, instants TIMESTAMPTZ ↔ timestamptz) and the final results and late records are
 * the same rows, money compared as decimal text to the cent, instants as epoch milliseconds.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { BOOTSTRAP, createTopic, uniqueName } from "./kafka_test_helpers";
import { runProducer, startMainJob } from "./job_processes";
import { dropSchema, PG_URL, query, uniqueSchema } from "./postgres_test_helpers";
import { TABLES } from "../../sales/postgres_tables";
import { datasetScan, duckdb, duckdbTypes } from "./parquet_duckdb";

jest.setTimeout(3 * 60_000);

const EVENTS = 3_000;

/** The DuckDB type each PostgreSQL column type must be read as. */
const DUCKDB_TYPE_OF: Readonly<Record<string, string>> = {
  text: "VARCHAR",
  bigint: "BIGINT",
  numeric: "DECIMAL(18,2)",
  "timestamp with time zone": "TIMESTAMP WITH TIME ZONE",
};

async function postgresTypes(schema: string, table: string): Promise<Record<string, string>> {
  const rows = await query<{ column_name: string; data_type: string }>(
    "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2",
    [schema, table],
  );
  return Object.fromEntries(rows.map((r) => [r.column_name, r.data_type]));
}

/** Rows as sorted JSON lines (for a readable diff). */
const lines = (rows: ReadonlyArray<Record<string, unknown>>): string[] => rows.map((r) => JSON.stringify(r)).sort();

const RESULTS_PG = `SELECT key_kind, key, (extract(epoch FROM window_start) * 1000)::bigint::text AS window_start,
  (extract(epoch FROM window_end) * 1000)::bigint::text AS window_end, sum::text AS sum, count::text AS count, avg::text AS avg`;
const RESULTS_DUCK = `SELECT key_kind, key, epoch_ms(window_start)::VARCHAR AS window_start, epoch_ms(window_end)::VARCHAR AS window_end,
  sum::VARCHAR AS sum, count::VARCHAR AS count, avg::VARCHAR AS avg`;
/** PostgreSQL has a late row per missed window, the event as JSON; Parquet a row per record, its windows listed. */
const LATE_PG = `SELECT event_id, key, (extract(epoch FROM event_time) * 1000)::bigint::text AS event_time,
  (extract(epoch FROM window_start) * 1000)::bigint::text AS window_start, (extract(epoch FROM window_end) * 1000)::bigint::text AS window_end,
  (event->>'amount')::numeric(20, 2)::text AS amount, event->>'user_id' AS user_id, event->>'product_id' AS product_id,
  event->>'event_type' AS event_type, reason, (extract(epoch FROM watermark) * 1000)::bigint::text AS watermark`;
const LATE_DUCK = `SELECT event_id, key, epoch_ms(event_time)::VARCHAR AS event_time, epoch_ms(w.start)::VARCHAR AS window_start,
  epoch_ms(w."end")::VARCHAR AS window_end, amount::VARCHAR AS amount, user_id, product_id, event_type, reason,
  epoch_ms(watermark)::VARCHAR AS watermark`;

/** The seeded producer's records: `count` events from `start`, some late by 5 minutes (when `late`). */
function produceSales(topic: string, seed: number, start: string, late: boolean): Promise<void> {
  return runProducer(topic, [
    `--count=${EVENTS / 2}`,
    `--seed=${seed}`,
    `--start-time=${start}`,
    "--interval=200ms",
    "--users=40",
    "--products=5",
    "--out-of-order-fraction=0.02",
    "--out-of-order-max-delay=20s",
    `--late-fraction=${late ? 0.05 : 0}`,
    "--late-delay=5m",
    "--malformed-fraction=0.01",
  ]);
}

async function resultRowsIn(schema: string): Promise<number> {
  try {
    return Number((await query<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".${TABLES.results}`))[0].n);
  } catch {
    return 0; // the tables do not exist yet
  }
}

describe("Parquet read by DuckDB equals PostgreSQL", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "parquet-duckdb-"));
  const schemas: string[] = [];

  afterAll(async () => {
    for (const schema of schemas) await dropSchema(schema);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  for (const window of ["fixed:1m", "session:30s"]) {
    test(`${window}: types and values of results and late records, to the cent and the millisecond`, async () => {
      const schema = uniqueSchema(`pq_duck_${window.replace(/\W/g, "")}`);
      schemas.push(schema);
      const parquetDir = path.join(tmp, schema);
      const topic = uniqueName("parquet-duckdb");
      await createTopic(topic, 1);
      // Phase 1 before the job starts, phase 2 once it has fired windows: phase 2's late records (5 minutes behind,
      // back in phase 1's time) then meet a watermark and go to the late-data output. Crosses midnight UTC.
      await produceSales(topic, 2112, "2026-03-14T23:55:00Z", false);
      const job = startMainJob([
        `--topic=${topic}`,
        `--group-id=${uniqueName("parquet-duckdb")}`,
        `--bootstrap-servers=${BOOTSTRAP.join(",")}`,
        `--window=${window}`,
        "--allowed-lateness=30s",
        "--watermark-delay=5s",
        "--stop-when-idle=5s",
        "--sinks=postgres,parquet",
        `--pg-url=${PG_URL}`,
        `--pg-schema=${schema}`,
        `--parquet-dir=${parquetDir}`,
        `--state-dir=${parquetDir}-state`,
      ]);
      let exit: number | null | undefined;
      void job.exited.then((code) => (exit = code));
      while (exit === undefined && (await resultRowsIn(schema)) === 0) await new Promise((resolve) => setTimeout(resolve, 100));
      await produceSales(topic, 2113, new Date(Date.UTC(2026, 2, 14, 23, 55) + (EVENTS / 2) * 200).toISOString(), true);
      const code = await job.exited;
      if (code !== 0) throw new Error(`the job exited with ${String(code)}:\n${job.stderr()}`);
      const results = datasetScan(path.join(parquetDir, "results"));
      const late = datasetScan(path.join(parquetDir, "late"));

      // Types: each PostgreSQL column's type has its DuckDB counterpart.
      const pgResults = await postgresTypes(schema, TABLES.results);
      const duckResults = await duckdbTypes(`SELECT * FROM ${results}`);
      for (const column of ["key_kind", "key", "window_start", "window_end", "sum", "count", "avg"]) {
        expect({ column, duckdb: duckResults[column] }).toEqual({ column, duckdb: DUCKDB_TYPE_OF[pgResults[column]] });
      }
      const pgLate = await postgresTypes(schema, TABLES.late);
      const duckLate = await duckdbTypes(`SELECT * FROM ${late}`);
      for (const column of ["event_id", "key", "event_time", "watermark", "reason"]) {
        expect({ column, duckdb: duckLate[column] }).toEqual({ column, duckdb: DUCKDB_TYPE_OF[pgLate[column]] });
      }
      expect(duckLate.amount).toBe("DECIMAL(18,2)");
      expect(duckLate.missed_windows).toBe('STRUCT("start" TIMESTAMP WITH TIME ZONE, "end" TIMESTAMP WITH TIME ZONE)[]');
      // The Hive partition is the UTC date of the window's start.
      expect(await duckdb(`SELECT count(*)::INTEGER AS n FROM ${results} WHERE "date"::VARCHAR <> strftime(make_timestamp(epoch_ms(window_start) * 1000), '%Y-%m-%d')`)).toEqual([{ n: 0 }]);

      // Values: the final results, and every late record once per window it missed.
      const expectedResults = await query(`${RESULTS_PG} FROM "${schema}".${TABLES.results} WHERE final`);
      const readResults = await duckdb(`${RESULTS_DUCK} FROM ${results}`);
      expect(expectedResults.length).toBeGreaterThan(20);
      expect(lines(readResults)).toEqual(lines(expectedResults));
      const expectedLate = await query(`${LATE_PG} FROM "${schema}".${TABLES.late}`);
      const readLate = await duckdb(`${LATE_DUCK} FROM (SELECT *, unnest(missed_windows) AS w FROM ${late})`);
      expect(expectedLate.length).toBeGreaterThan(EVENTS * 0.01);
      expect(lines(readLate)).toEqual(lines(expectedLate));
      // An analyst's total is money, not cents: DuckDB's sum over the decimals equals PostgreSQL's to the cent.
      const [pgTotal] = await query<{ total: string }>(`SELECT sum(sum)::text AS total FROM "${schema}".${TABLES.results} WHERE final`);
      expect(await duckdb(`SELECT sum(sum)::VARCHAR AS total FROM ${results}`)).toEqual([{ total: pgTotal.total }]);
      process.stdout.write(`[parquet-duckdb] ${window}: ${readResults.length} results (total ${pgTotal.total}), ${readLate.length} late rows equal\n`);
    });
  }
});
