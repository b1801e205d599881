/**
 * The set-based, idempotent statements that write a batch of each sales table (the tables: postgres_tables.ts;
 * the batching, lanes and retries around them: transforms/sinks/postgres_writer.ts). One statement per table and
 * batch, `INSERT … SELECT FROM unnest(…) ON CONFLICT …`, never a statement per row.
 *
 * Idempotence (a replayed pane, late record or dead letter never makes a second row):
 *   - results are keyed by (key_kind, key, window_start, window_end). A pane replaces the row when it is final, or
 *     when the row is not final and the pane's index is ≥ the row's: the newest pane wins and a final row is
 *     never overwritten by a non-final one (a final pane replayed after a crash carries the same complete value).
 *   - session windows (`mergingWindows`): sessions only grow, so a window strictly inside another window of the
 *     same key was absorbed by a merge. A pane deletes the rows of its key whose windows it strictly contains, and
 *     a pane whose window is strictly inside an existing row's is stale (a replay from before the merge): skipped.
 *   - late data is keyed by (event_id, window_start, window_end), one row per window the event missed (a late
 *     record carries no Kafka coordinates; the event id is unique per event); the first write is kept.
 *   - dead letters are keyed by (topic, partition, offset); the first write is kept.
 */
import type { PoolClient } from "pg";
import type { TableWriteOptions, TableWriteOutcome } from "../transforms/sinks/postgres_table_spec";
import type { LateSale } from "./late_sale";
import type { DeadLetter } from "./parse_sales_events";
import { formatCents } from "./sale_event";
import type { SalesWindowResult } from "./window_result";

const EPOCH = "timestamptz 'epoch'";
const at = (ms: string): string => `(${EPOCH} + ${ms} * interval '1 millisecond')`;

/** Within one batch, the pane that should win for a (key kind, key, window): final first, then newest. */
function better(a: SalesWindowResult, b: SalesWindowResult): SalesWindowResult {
  if (a.pane.isLast !== b.pane.isLast) return a.pane.isLast ? a : b;
  return b.pane.index >= a.pane.index ? b : a;
}

/** One row per primary key (the rule above), and for sessions no window strictly inside another of its key. */
export function reduceResultBatch(rows: readonly SalesWindowResult[], mergingWindows: boolean): SalesWindowResult[] {
  const byKey = new Map<string, SalesWindowResult>();
  for (const row of rows) {
    const id = `${row.keyKind}\u0000${row.key}\u0000${row.window.start}\u0000${row.window.end}`;
    const seen = byKey.get(id);
    byKey.set(id, seen === undefined ? row : better(seen, row));
  }
  const unique = [...byKey.values()];
  if (!mergingWindows) return unique;
  const byEntity = new Map<string, SalesWindowResult[]>();
  for (const row of unique) {
    const entity = `${row.keyKind}\u0000${row.key}`;
    const list = byEntity.get(entity);
    if (list) list.push(row);
    else byEntity.set(entity, [row]);
  }
  const kept: SalesWindowResult[] = [];
  for (const list of byEntity.values()) {
    for (const row of list) {
      const absorbed = list.some(
        (other) =>
          other !== row &&
          other.window.start <= row.window.start &&
          other.window.end >= row.window.end &&
          (other.window.start !== row.window.start || other.window.end !== row.window.end),
      );
      if (!absorbed) kept.push(row);
    }
  }
  return kept;
}

/** Upserts a batch of panes (the rules above); for sessions, first deletes the rows of the windows they absorbed. */
export async function writeResults(
  client: PoolClient,
  table: string,
  batch: readonly SalesWindowResult[],
  options: TableWriteOptions,
): Promise<TableWriteOutcome> {
  const merging = options.mergingWindows;
  const rows = reduceResultBatch(batch, merging);
  let replaced = 0;
  if (merging) {
    const deleted = await client.query(
      `DELETE FROM ${table} r
        USING unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[]) AS u(key_kind, key, ws, we)
        WHERE r.key_kind = u.key_kind AND r.key = u.key
          AND r.window_start >= ${at("u.ws")} AND r.window_end <= ${at("u.we")}
          AND NOT (r.window_start = ${at("u.ws")} AND r.window_end = ${at("u.we")})`,
      [rows.map((r) => r.keyKind), rows.map((r) => r.key), rows.map((r) => r.window.start), rows.map((r) => r.window.end)],
    );
    replaced = deleted.rowCount ?? 0;
  }
  const stale = merging
    ? `WHERE NOT EXISTS (SELECT 1 FROM ${table} o
         WHERE o.key_kind = n.key_kind AND o.key = n.key
           AND o.window_start <= n.window_start AND o.window_end >= n.window_end
           AND NOT (o.window_start = n.window_start AND o.window_end = n.window_end))`
    : "";
  await client.query(
    `INSERT INTO ${table} AS r (key_kind, key, window_start, window_end, sum, count, avg, pane_timing, pane_index, final, written_at)
     SELECT n.key_kind, n.key, n.window_start, n.window_end, n.sum, n.count, n.avg, n.pane_timing, n.pane_index, n.final, now()
       FROM (SELECT u.key_kind, u.key, ${at("u.ws")} AS window_start, ${at("u.we")} AS window_end,
                    u.sum, u.count, u.avg, u.pane_timing, u.pane_index, u.final
               FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::numeric(20, 2)[], $6::bigint[],
                           $7::numeric(20, 2)[], $8::text[], $9::int[], $10::boolean[])
                 AS u(key_kind, key, ws, we, sum, count, avg, pane_timing, pane_index, final)) n
     ${stale}
     ON CONFLICT (key_kind, key, window_start, window_end) DO UPDATE
        SET sum = EXCLUDED.sum, count = EXCLUDED.count, avg = EXCLUDED.avg, pane_timing = EXCLUDED.pane_timing,
            pane_index = EXCLUDED.pane_index, final = EXCLUDED.final, written_at = EXCLUDED.written_at
      WHERE NOT r.final AND (EXCLUDED.final OR EXCLUDED.pane_index >= r.pane_index)`,
    [
      rows.map((r) => r.keyKind),
      rows.map((r) => r.key),
      rows.map((r) => r.window.start),
      rows.map((r) => r.window.end),
      rows.map((r) => formatCents(r.sumCents)), // exact decimal text from the integer cents
      rows.map((r) => r.count),
      rows.map((r) => formatCents(r.avgCents)),
      rows.map((r) => r.pane.timing),
      rows.map((r) => r.pane.index),
      rows.map((r) => r.pane.isLast),
    ],
  );
  return { rows: rows.length, replaced };
}

/** Finite milliseconds for a timestamptz column (±∞ would not fit; a late record's times are always finite). */
function finite(ms: number): number {
  return Number.isFinite(ms) ? ms : ms > 0 ? 8.64e15 : -8.64e15;
}

/** Inserts one row per late event and missed window; the first write of a row is kept. */
export async function writeLate(client: PoolClient, table: string, batch: readonly LateSale[]): Promise<TableWriteOutcome> {
  const flat = batch.flatMap((l) => l.windows.map((w) => ({ l, w })));
  await client.query(
    `INSERT INTO ${table} (event_id, window_start, window_end, key, event_time, watermark, reason, event)
     SELECT u.event_id, ${at("u.ws")}, ${at("u.we")}, u.key, ${at("u.ts")}, ${at("u.wm")}, u.reason, u.event::jsonb
       FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::bigint[], $6::bigint[], $7::text[], $8::text[])
         AS u(event_id, ws, we, key, ts, wm, reason, event)
     ON CONFLICT DO NOTHING`,
    [
      flat.map((f) => f.l.value.event_id),
      flat.map((f) => f.w.start),
      flat.map((f) => f.w.end),
      flat.map((f) => f.l.key),
      flat.map((f) => finite(f.l.timestamp)),
      flat.map((f) => finite(f.l.watermark)),
      flat.map((f) => f.l.reason),
      flat.map((f) => JSON.stringify(f.l.value)),
    ],
  );
  return { rows: flat.length };
}

/** Inserts one row per dead letter; the first write of a record is kept. */
export async function writeDeadLetters(client: PoolClient, table: string, batch: readonly DeadLetter[]): Promise<TableWriteOutcome> {
  await client.query(
    `INSERT INTO ${table}
            (topic, partition, "offset", record_key, record_timestamp, reason, raw_excerpt, raw, raw_size)
     SELECT u.topic, u.partition, u.off, u.record_key, ${at("u.ts")}, u.reason, u.excerpt, decode(u.raw, 'base64'), u.raw_size
       FROM unnest($1::text[], $2::int[], $3::bigint[], $4::text[], $5::bigint[], $6::text[], $7::text[], $8::text[], $9::int[])
         AS u(topic, partition, off, record_key, ts, reason, excerpt, raw, raw_size)
     ON CONFLICT DO NOTHING`,
    [
      batch.map((d) => d.topic),
      batch.map((d) => d.partition),
      batch.map((d) => d.offset),
      // PostgreSQL text cannot hold NUL: a key with NUL bytes is kept with them escaped (\u0000), as the excerpt is.
      batch.map((d) => (d.key === null ? null : d.key.replace(/\u0000/g, "\\u0000"))),
      batch.map((d) => finite(d.timestamp)),
      batch.map((d) => d.reason),
      batch.map((d) => d.excerpt),
      batch.map((d) => d.rawBase64),
      batch.map((d) => d.rawSize),
    ],
  );
  return { rows: batch.length };
}
