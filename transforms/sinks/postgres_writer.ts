/**
 * The PostgreSQL sink's batched writer, generic over a table spec. Rows are buffered by `add` and written
 * set-based by `flush` (the table's one multi-row statement per batch, e.g. `INSERT … SELECT FROM unnest(…) ON
 * CONFLICT …`, in one transaction; never a statement per row). Writes of one key stay in order: a large flush is split by key over `lanes` connections
 * (default 2), each lane writing its batches one after another, so PostgreSQL works on two batches at once; a small
 * flush waits for every lane and is written whole (one transaction instead of one per lane).
 *
 * Which tables, and the idempotent statement that writes a batch of each: a TableSpec (postgres_table_spec.ts;
 * the sales job's are sales/postgres_tables.ts). A replayed row never makes a second row: the table's statement
 * decides how (upsert by primary key, first write kept, ...).
 *
 * Transient failures (server down or restarting) are retried with bounded exponential backoff, logged with the
 * password redacted; meanwhile the flush promise stays pending, so the runner holds back offset commits and, once
 * its in-flight bound is reached, stops reading. After the retry budget the flush rejects with a one-line
 * `PostgresSinkError` and the pipeline fails (exit 1); a restart re-reads what was not committed.
 */
import "apache-beam";
import { requireForSerialization } from "apache-beam/serialization";
import { DEFAULT_RETRY_POLICY, RetryBudgetExhausted, withRetries, type RetryPolicy } from "./backoff";
import {
  describePgError,
  inTransaction,
  isTransientPgError,
  type PostgresTarget,
} from "./postgres_connection";
import { redactPgUrl } from "../../lib/redaction";
import { ensureSchema, qualified } from "./postgres_schema";
import type { TableSpec } from "./postgres_table_spec";
import { sinkMetrics } from "./sink_metrics";

/** Everything a sink writer needs; plain data (it is serialized into the pipeline with the DoFns). */
export interface PostgresSinkOptions extends PostgresTarget {
  /** Flush when this many rows are buffered (besides the end of every bundle). Default 5000. */
  readonly maxBatchRows?: number;
  readonly retry?: RetryPolicy;
  /** Merging (session) windows: a row may replace the rows of the windows it absorbed (the table's statement decides). */
  readonly mergingWindows?: boolean;
  /** Connections writing one table at once, each for its own share of the keys. Default 2. */
  readonly lanes?: number;
}

/** A flush smaller than this is written whole, after every lane (splitting it would only add commits). */
const LANE_SPLIT_MIN_ROWS = 1000;

/** Counters of this process's PostgreSQL writes (for logs and metrics; never holds the URL's password). */
export interface PostgresSinkStats {
  /** Rows written, by table kind (TableSpec.kind). */
  rowsWritten: Record<string, number>;
  batches: number;
  retries: number;
  /** Rows deleted because a written row's window absorbed theirs (merged session windows). */
  sessionRowsReplaced: number;
}

const stats: PostgresSinkStats = {
  rowsWritten: {},
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

/** A small string hash (FNV-1a) to pick a key's lane. */
function laneOf(key: string, lanes: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return (h >>> 0) % lanes;
}

/** Schema set-up, once per process and target (retried like a write). */
const prepared = new Map<string, Promise<void>>();

/** The buffered writer of one table of one target. */
export class PostgresTableWriter<R> {
  private buffer: R[] = [];
  /** Per lane, the promise of its last write (a lane's writes run one after another). */
  private lanes: Promise<void>[];
  private pending = 0;
  private readonly maxBatchRows: number;
  private readonly retry: RetryPolicy;

  constructor(
    readonly table: TableSpec<R>,
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
      for (const row of rows) parts[laneOf(this.table.orderKey(row), lanes)].push(row);
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
    return `PostgreSQL ${redactPgUrl(this.options.url)} (schema ${this.options.schema}, table ${this.table.name})`;
  }

  private async write(rows: R[]): Promise<void> {
    const url = this.options.url;
    const schema = this.options.schema;
    const startedAt = process.hrtime.bigint();
    try {
      await withRetries(
        async () => {
          const setId = `${this.table.set.component}\u0000${url}\u0000${schema}`;
          let ready = prepared.get(setId);
          if (!ready) {
            ready = ensureSchema(this.options, this.table.set);
            prepared.set(setId, ready);
            ready.catch(() => prepared.delete(setId));
          }
          await ready;
          const table = qualified(schema, this.table.name);
          const mergingWindows = this.options.mergingWindows === true;
          const outcome = await inTransaction(url, (client) => this.table.write(client, table, rows, { mergingWindows }));
          const written = outcome.rows;
          stats.rowsWritten[this.table.kind] = (stats.rowsWritten[this.table.kind] ?? 0) + written;
          stats.sessionRowsReplaced += outcome.replaced ?? 0;
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

const writers = new Map<string, PostgresTableWriter<unknown>>();

/**
 * The process's writer for one table of one target (the sink DoFns call this: the writer and its connections
 * live in the process, only the options travel in the pipeline).
 */
export function postgresTableWriter<R>(table: TableSpec<R>, options: PostgresSinkOptions): PostgresTableWriter<R> {
  const id = `${table.set.component}\u0000${table.name}\u0000${options.url}\u0000${options.schema}`;
  let writer = writers.get(id) as PostgresTableWriter<R> | undefined;
  if (!writer) {
    writer = new PostgresTableWriter<R>(table, options);
    writers.set(id, writer as PostgresTableWriter<unknown>);
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
