/**
 * The PostgreSQL sink's batched, idempotent writer. Rows are buffered by `add` and written set-based by `flush`
 * (one multi-row `INSERT … SELECT FROM unnest(…) ON CONFLICT …` per table and batch, in one transaction; never a
 * statement per row). Writes of one key stay in order: a large flush is split by key over `lanes` connections
 * (default 2), each lane writing its batches one after another, so PostgreSQL works on two batches at once; a small
 * flush waits for every lane and is written whole (one transaction instead of one per lane).
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
 *
 * Transient failures (server down or restarting) are retried with bounded exponential backoff, logged with the
 * password redacted; meanwhile the flush promise stays pending, so the runner holds back offset commits and, once
 * its in-flight bound is reached, stops reading. After the retry budget the flush rejects with a one-line
 * `PostgresSinkError` and the pipeline fails (exit 1); a restart re-reads what was not committed.
 */
import "apache-beam";
import { requireForSerialization } from "apache-beam/serialization";
import type { PoolClient } from "pg";
import type { SalesWindowResult, LateSale } from "../../pipelines/sales_aggregation";
import type { DeadLetter } from "../parse_events";
import { formatCents } from "../events";
import { DEFAULT_RETRY_POLICY, RetryBudgetExhausted, withRetries, type RetryPolicy } from "./backoff";
import {
  describePgError,
  inTransaction,
  isTransientPgError,
  type PostgresTarget,
} from "./postgres_connection";
import { redactPgUrl } from "../../lib/redaction";
import { ensureSchema, qualified, TABLES, type TableKind } from "./postgres_schema";
import { sinkMetrics } from "./sink_metrics";

/** Everything a sink writer needs; plain data (it is serialized into the pipeline with the DoFns). */
export interface PostgresSinkOptions extends PostgresTarget {
  /** Flush when this many rows are buffered (besides the end of every bundle). Default 5000. */
  readonly maxBatchRows?: number;
  readonly retry?: RetryPolicy;
  /** Session windows: a pane replaces the rows of the windows it absorbed (see above). */
  readonly mergingWindows?: boolean;
  /** Connections writing one table at once, each for its own share of the keys. Default 2. */
  readonly lanes?: number;
}

/** A flush smaller than this is written whole, after every lane (splitting it would only add commits). */
const LANE_SPLIT_MIN_ROWS = 1000;

/** Counters of this process's PostgreSQL writes (for logs and metrics; never holds the URL's password). */
export interface PostgresSinkStats {
  rowsWritten: Record<TableKind, number>;
  batches: number;
  retries: number;
  /** Result rows deleted because a merged session window absorbed theirs. */
  sessionRowsReplaced: number;
}

const stats: PostgresSinkStats = {
  rowsWritten: { results: 0, late: 0, deadLetters: 0 },
  batches: 0,
  retries: 0,
  sessionRowsReplaced: 0,
};

/** A copy of the counters so far. */
export function postgresSinkStats(): PostgresSinkStats {
  return { ...stats, rowsWritten: { ...stats.rowsWritten } };
}

/** The one-line error of a write that failed for good. */
export class PostgresSinkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PostgresSinkError";
  }
}

const EPOCH = "timestamptz 'epoch'";
const at = (ms: string): string => `(${EPOCH} + ${ms} * interval '1 millisecond')`;

type Row = SalesWindowResult | LateSale | DeadLetter;

/** The identity whose writes must stay in order: a result's key, a late record's event, a dead letter's record. */
function orderKey(kind: TableKind, row: Row): string {
  switch (kind) {
    case "results": {
      const r = row as SalesWindowResult;
      return `${r.keyKind}\u0000${r.key}`;
    }
    case "late":
      return (row as LateSale).value.event_id;
    case "deadLetters": {
      const d = row as DeadLetter;
      return `${d.topic}\u0000${d.partition}\u0000${d.offset}`;
    }
  }
}

/** A small string hash (FNV-1a) to pick a key's lane. */
function laneOf(key: string, lanes: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return (h >>> 0) % lanes;
}

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

async function writeResults(client: PoolClient, schema: string, batch: readonly SalesWindowResult[], merging: boolean): Promise<number> {
  const rows = reduceResultBatch(batch, merging);
  const table = qualified(schema, TABLES.results);
  if (merging) {
    const deleted = await client.query(
      `DELETE FROM ${table} r
        USING unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[]) AS u(key_kind, key, ws, we)
        WHERE r.key_kind = u.key_kind AND r.key = u.key
          AND r.window_start >= ${at("u.ws")} AND r.window_end <= ${at("u.we")}
          AND NOT (r.window_start = ${at("u.ws")} AND r.window_end = ${at("u.we")})`,
      [rows.map((r) => r.keyKind), rows.map((r) => r.key), rows.map((r) => r.window.start), rows.map((r) => r.window.end)],
    );
    stats.sessionRowsReplaced += deleted.rowCount ?? 0;
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
  return rows.length;
}

/** Finite milliseconds for a timestamptz column (±∞ would not fit; a late record's times are always finite). */
function finite(ms: number): number {
  return Number.isFinite(ms) ? ms : ms > 0 ? 8.64e15 : -8.64e15;
}

async function writeLate(client: PoolClient, schema: string, batch: readonly LateSale[]): Promise<number> {
  const flat = batch.flatMap((l) => l.windows.map((w) => ({ l, w })));
  await client.query(
    `INSERT INTO ${qualified(schema, TABLES.late)} (event_id, window_start, window_end, key, event_time, watermark, reason, event)
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
  return flat.length;
}

async function writeDeadLetters(client: PoolClient, schema: string, batch: readonly DeadLetter[]): Promise<number> {
  await client.query(
    `INSERT INTO ${qualified(schema, TABLES.deadLetters)}
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
  return batch.length;
}

/** Schema set-up, once per process and target (retried like a write). */
const prepared = new Map<string, Promise<void>>();

/** The buffered writer of one table of one target. */
export class PostgresTableWriter<R extends Row> {
  private buffer: R[] = [];
  /** Per lane, the promise of its last write (a lane's writes run one after another). */
  private lanes: Promise<void>[];
  private pending = 0;
  private readonly maxBatchRows: number;
  private readonly retry: RetryPolicy;

  constructor(
    readonly kind: TableKind,
    private readonly options: PostgresSinkOptions,
    private readonly log: (line: string) => void = (line) => process.stderr.write(line + "\n"),
  ) {
    this.maxBatchRows = options.maxBatchRows ?? 5000;
    this.retry = options.retry ?? DEFAULT_RETRY_POLICY;
    this.lanes = new Array<Promise<void>>(Math.max(1, options.lanes ?? 2)).fill(Promise.resolve());
  }

  /**
   * Buffers a row; at the row bound, starts writing the buffer (after the writes before it). Returns nothing: the
   * DoFn's finishBundle returns `flush()`, whose promise covers every write of the bundle, so the runner waits for
   * all of them before it calls onDurable. (Returning the promise from process() would make the runner queue the
   * key's next rows behind it, and a row added after its bundle ended would wait for a bundle that never comes.)
   */
  add(row: R): void {
    this.buffer.push(row);
    // A batch of up to maxBatchRows per lane.
    if (this.buffer.length >= this.maxBatchRows * this.lanes.length) this.flush()?.catch(() => undefined); // surfaced by finishBundle's flush()
  }

  /** Writes what is buffered (after the writes before it); undefined when there is nothing to write or wait for. */
  flush(): Promise<void> | undefined {
    if (this.buffer.length === 0) return this.pending > 0 ? this.allLanes() : undefined;
    const rows = this.buffer;
    this.buffer = [];
    const lanes = this.lanes.length;
    if (lanes === 1 || rows.length < LANE_SPLIT_MIN_ROWS) {
      // Whole, after every lane: it may hold keys of any lane.
      const whole = this.track(this.allLanes().then(() => this.write(rows)));
      this.lanes = this.lanes.map(() => whole);
    } else {
      const parts: R[][] = Array.from({ length: lanes }, () => []);
      for (const row of rows) parts[laneOf(orderKey(this.kind, row), lanes)].push(row);
      this.lanes = this.lanes.map((tail, i) => (parts[i].length === 0 ? tail : this.track(tail.then(() => this.write(parts[i])))));
    }
    return this.allLanes();
  }

  private allLanes(): Promise<void> {
    return Promise.all(this.lanes).then(() => undefined);
  }

  private track(write: Promise<void>): Promise<void> {
    this.pending += 1;
    return write.finally(() => {
      this.pending -= 1;
    });
  }

  private where(): string {
    return `PostgreSQL ${redactPgUrl(this.options.url)} (schema ${this.options.schema}, table ${TABLES[this.kind]})`;
  }

  private async write(rows: R[]): Promise<void> {
    const url = this.options.url;
    const schema = this.options.schema;
    const startedAt = process.hrtime.bigint();
    try {
      await withRetries(
        async () => {
          let ready = prepared.get(`${url}\u0000${schema}`);
          if (!ready) {
            ready = ensureSchema(this.options);
            prepared.set(`${url}\u0000${schema}`, ready);
            ready.catch(() => prepared.delete(`${url}\u0000${schema}`));
          }
          await ready;
          const written = await inTransaction(url, (client) => {
            switch (this.kind) {
              case "results":
                return writeResults(client, schema, rows as unknown as SalesWindowResult[], this.options.mergingWindows === true);
              case "late":
                return writeLate(client, schema, rows as unknown as LateSale[]);
              case "deadLetters":
                return writeDeadLetters(client, schema, rows as unknown as DeadLetter[]);
            }
          });
          stats.rowsWritten[this.kind] += written;
          stats.batches += 1;
          // The process's sink metrics (/metrics, /readyz): rows once durable, the batch's time retries included.
          sinkMetrics().rowsWritten("postgres", written);
          sinkMetrics().observeBatch("postgres", Number(process.hrtime.bigint() - startedAt) / 1e9);
          sinkMetrics().setReady("postgres", true);
        },
        isTransientPgError,
        this.retry,
        {
          onRetry: (attempt, delayMs, error) => {
            stats.retries += 1;
            sinkMetrics().retry("postgres");
            // No URL in the reason (/readyz shows it), only what happened and what to do.
            sinkMetrics().setReady("postgres", false, `PostgreSQL writes failing (retry ${attempt}): start PostgreSQL or fix --pg-url`);
            this.log(
              `postgres sink: writing ${rows.length} rows to ${this.where()} failed: ${describePgError(error, url)}; ` +
                `retry ${attempt} in ${(delayMs / 1000).toFixed(2)} s`,
            );
          },
        },
      );
    } catch (error) {
      if (error instanceof RetryBudgetExhausted) {
        throw new PostgresSinkError(
          `could not write to ${this.where()} for ${(this.retry.budgetMs / 1000).toFixed(0)} s ` +
            `(${error.attempts} attempts; last error: ${describePgError(error.lastError, url)}): start PostgreSQL or fix ` +
            `--pg-url, then run the job again (it resumes from the last committed offsets)`,
        );
      }
      throw new PostgresSinkError(`writing to ${this.where()} failed: ${describePgError(error, url)}`);
    }
  }
}

const writers = new Map<string, PostgresTableWriter<Row>>();

/**
 * The process's writer for one table of one target (the sink DoFns call this: the writer and its connections
 * live in the process, only the options travel in the pipeline).
 */
export function postgresTableWriter(kind: TableKind, options: PostgresSinkOptions): PostgresTableWriter<Row> {
  const id = `${kind}\u0000${options.url}\u0000${options.schema}`;
  let writer = writers.get(id);
  if (!writer) {
    writer = new PostgresTableWriter<Row>(kind, options);
    writers.set(id, writer);
  }
  return writer;
}

/** Forgets the writers (and the schema checks) of this process; the next run starts afresh. */
export function resetPostgresWriters(): void {
  writers.clear();
  prepared.clear();
}

// The sink DoFns are serialized with what they reference: the writer registry is registered by reference (it holds
// live connections and runs in this process).
requireForSerialization(__filename, { postgresTableWriter });
