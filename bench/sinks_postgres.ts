/**
 * npm run bench:sinks (PostgreSQL half) — the PostgreSQL sink's writer against raw COPY of the same rows, in the
 * same run, into tables of the same shape (fresh schemas on the server at PGURL, dropped afterwards):
 *   (a) the sink's writer as the product runs it: window results added row by row, split by key over 2 lanes
 *       (connections), each writing batches of 5,000 rows with its `INSERT … SELECT FROM unnest(…) ON CONFLICT
 *       DO UPDATE` (one transaction per batch), one after another;
 *   (b) raw `COPY … FROM STDIN` (CSV, pg-copy-streams) of the same rows, one COPY per batch of 5,000.
 * BENCH_SINK_ROWS rows (default 200,000: 1,000 products × 200 one-minute windows), BENCH_ROUNDS rounds (default 3),
 * alternating; the best of each counts (the machine is shared). Prints rows/s and `ratio postgres: X×`.
 */
import { Client } from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { pipeline } from "stream/promises";
import { Readable } from "stream";
import * as os from "os";
import { DEFAULT_PG_URL } from "../infra/stack/options";
import type { SalesWindowResult } from "../sales/window_result";
import { closePools, ident } from "../transforms/sinks/postgres_connection";
import { redactPgUrl } from "../lib/redaction";
import { ensureSchema, qualified } from "../transforms/sinks/postgres_schema";
import { SALES_TABLE_SET, SALES_TABLES, TABLES } from "../sales/postgres_tables";
import { PostgresTableWriter } from "../transforms/sinks/postgres_writer";

const URL = process.env.PGURL ?? DEFAULT_PG_URL;
const ROWS = Number(process.env.BENCH_SINK_ROWS ?? 200_000);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const BATCH = 5_000;
const BEGIN = Date.UTC(2026, 0, 1);

function rows(): SalesWindowResult[] {
  const out: SalesWindowResult[] = [];
  for (let i = 0; i < ROWS; i++) {
    const product = i % 1000;
    const minute = Math.floor(i / 1000);
    const sumCents = 1000 + ((i * 7919) % 1_000_000);
    const count = 1 + (i % 17);
    const avgCents = Math.floor((sumCents + Math.floor(count / 2)) / count);
    out.push({
      key: `prod_${product}`,
      keyKind: "product",
      window: { start: BEGIN + minute * 60_000, end: BEGIN + (minute + 1) * 60_000 },
      sumCents,
      sum: sumCents / 100,
      count,
      avgCents,
      avg: avgCents / 100,
      pane: { timing: "ON_TIME", index: 0, nonSpeculativeIndex: 0, isFirst: true, isLast: true },
    });
  }
  return out;
}

const cents = (c: number): string => `${Math.trunc(c / 100)}.${String(Math.abs(c % 100)).padStart(2, "0")}`;

function csv(batch: readonly SalesWindowResult[]): string {
  let text = "";
  for (const r of batch) {
    text +=
      `${r.keyKind},${r.key},${new Date(r.window.start).toISOString()},${new Date(r.window.end).toISOString()},` +
      `${cents(r.sumCents)},${r.count},${cents(r.avgCents)},${r.pane.timing},${r.pane.index},${r.pane.isLast}\n`;
  }
  return text;
}

async function fresh(schema: string): Promise<void> {
  const client = new Client({ connectionString: URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${ident(schema)} CASCADE`);
  } finally {
    await client.end();
  }
  await ensureSchema({ url: URL, schema }, SALES_TABLE_SET);
}

async function viaSink(schema: string, data: readonly SalesWindowResult[]): Promise<number> {
  await fresh(schema);
  const writer = new PostgresTableWriter(SALES_TABLES.results, { url: URL, schema, maxBatchRows: BATCH });
  const t0 = process.hrtime.bigint();
  for (const row of data) writer.add(row);
  await writer.flush();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

async function viaCopy(schema: string, data: readonly SalesWindowResult[]): Promise<number> {
  await fresh(schema);
  const client = new Client({ connectionString: URL });
  await client.connect();
  try {
    const t0 = process.hrtime.bigint();
    for (let from = 0; from < data.length; from += BATCH) {
      const text = csv(data.slice(from, from + BATCH));
      await client.query("BEGIN");
      const copy = client.query(
        copyFrom(
          `COPY ${qualified(schema, TABLES.results)} (key_kind, key, window_start, window_end, sum, count, avg, pane_timing, pane_index, final) FROM STDIN WITH (FORMAT csv)`,
        ),
      );
      await pipeline(Readable.from([text]), copy);
      await client.query("COMMIT");
    }
    return Number(process.hrtime.bigint() - t0) / 1e9;
  } finally {
    await client.end();
  }
}

async function count(schema: string): Promise<number> {
  const client = new Client({ connectionString: URL });
  await client.connect();
  try {
    return Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${qualified(schema, TABLES.results)}`)).rows[0].n);
  } finally {
    await client.end();
  }
}

const fmt = (n: number): string => Math.round(n).toLocaleString("en-US");

async function main(): Promise<void> {
  const data = rows();
  const sinkSchema = `bench_sink_${process.pid}`;
  const copySchema = `bench_copy_${process.pid}`;
  let sink = Infinity;
  let copy = Infinity;
  try {
    for (let round = 0; round < ROUNDS; round++) {
      copy = Math.min(copy, await viaCopy(copySchema, data));
      sink = Math.min(sink, await viaSink(sinkSchema, data));
    }
    const written = [await count(sinkSchema), await count(copySchema)];
    console.log(`\nbench:sinks postgres — ${fmt(ROWS)} window results into ${redactPgUrl(URL)}, batches of ${fmt(BATCH)}; best of ${ROUNDS} alternating rounds`);
    console.log(`node ${process.version}, ${os.cpus()[0]?.model ?? "unknown cpu"} × ${os.cpus().length}`);
    console.log("writer                                                  rows/s   seconds");
    console.log(`(a) PostgreSQL sink (unnest upsert, 2 lanes)       ${fmt(ROWS / sink).padStart(11)}   ${sink.toFixed(2).padStart(7)}`);
    console.log(`(b) raw COPY FROM STDIN (csv)                      ${fmt(ROWS / copy).padStart(11)}   ${copy.toFixed(2).padStart(7)}`);
    console.log(`ratio postgres: ${(copy / sink).toFixed(2)}× (target ≥ 0.7×)`);
    if (written[0] !== ROWS || written[1] !== ROWS) console.log(`WARNING: rows written: sink ${written[0]}, copy ${written[1]}, expected ${ROWS}`);
  } finally {
    const client = new Client({ connectionString: URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${ident(sinkSchema)} CASCADE`);
    await client.query(`DROP SCHEMA IF EXISTS ${ident(copySchema)} CASCADE`);
    await client.end();
    await closePools();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:sinks: error: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
