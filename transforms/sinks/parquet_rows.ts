/**
 * What the Parquet sink writes: one row per final window result and one per late record, their Parquet schemas,
 * the key a replayed row is recognized by, and the UTC date partition a row belongs to. Pure (no IO).
 *
 * Money is exact: INT64 integer cents (`sum_cents`, `avg_cents`) — a DECIMAL with scale 2 stored unscaled.
 * parquetjs-lite has no DECIMAL annotation, so the scale is documented (docs/operations.md) and recorded in each
 * file's key-value metadata (`money`). Times are TIMESTAMP_MILLIS (UTC), names UTF8, counts INT64.
 */
import { ParquetSchema, type ParquetFieldDefinition, type ParquetType } from "parquetjs-lite";
import type { LateSale, SalesWindowResult } from "../../pipelines/sales_aggregation";
import { amountCents } from "../events";

/** A final window result as written (one per key kind, key and window). */
export interface ResultRow {
  readonly key_kind: string;
  readonly key: string;
  readonly window_start: number;
  readonly window_end: number;
  readonly sum_cents: number;
  readonly count: number;
  readonly avg_cents: number;
}

/** A late record as written: the event, the windows it missed, and why. */
export interface LateRow {
  readonly key: string;
  readonly event_id: string;
  readonly user_id: string;
  readonly product_id: string;
  readonly event_type: string;
  readonly amount_cents: number;
  readonly event_time: number;
  readonly missed_windows: ReadonlyArray<{ readonly start: number; readonly end: number }>;
  readonly watermark: number;
  readonly reason: string;
}

/** Key-value metadata in every file's footer: how to read the money columns. */
export const MONEY_METADATA = "sum_cents, avg_cents, amount_cents: integer cents, i.e. DECIMAL(18,2) unscaled (divide by 100)";

/** Only final panes are written: a final pane carries the window's complete result. */
export function isFinal(result: SalesWindowResult): boolean {
  return result.pane.isLast;
}

export function resultRow(r: SalesWindowResult): ResultRow {
  return {
    key_kind: r.keyKind,
    key: r.key,
    window_start: r.window.start,
    window_end: r.window.end,
    sum_cents: r.sumCents,
    count: r.count,
    avg_cents: r.avgCents,
  };
}

export function lateRow(l: LateSale): LateRow {
  return {
    key: l.key,
    event_id: l.value.event_id,
    user_id: l.value.user_id,
    product_id: l.value.product_id,
    event_type: l.value.event_type,
    amount_cents: amountCents(l.value),
    event_time: l.timestamp,
    missed_windows: l.windows.map((w) => ({ start: w.start, end: w.end })),
    watermark: l.watermark,
    reason: l.reason,
  };
}

/** A result is the same row when it is for the same key kind, key and window (a replayed final pane). */
export function resultRowKey(row: ResultRow): string {
  return `${row.key_kind}\u0000${row.key}\u0000${row.window_start}\u0000${row.window_end}`;
}

/** A late record is the same row when it is the same event (id, key, event time) missing the same windows. */
export function lateRowKey(row: LateRow): string {
  const windows = row.missed_windows.map((w) => `${w.start}-${w.end}`).join(",");
  return `${row.event_id}\u0000${row.key}\u0000${row.event_time}\u0000${windows}`;
}

const DAY_MS = 86_400_000;
/** Day number → `YYYY-MM-DD` (rows come in runs of the same few days; toISOString per row costs ~0.4 µs). */
const dayNames = new Map<number, string>();

/** `YYYY-MM-DD` of an instant in UTC (the Hive partition value). */
export function utcDate(ms: number): string {
  if (!Number.isFinite(ms)) throw new Error(`Parquet sink: cannot partition by the date of ${ms}`);
  const day = Math.floor(ms / DAY_MS);
  let name = dayNames.get(day);
  if (name === undefined) {
    if (dayNames.size >= 10_000) dayNames.clear();
    name = new Date(day * DAY_MS).toISOString().slice(0, 10);
    dayNames.set(day, name);
  }
  return name;
}

/** Results are partitioned by the window's start date (UTC). */
export function resultRowDate(row: ResultRow): string {
  return utcDate(row.window_start);
}

/** Late records are partitioned by the event's date (UTC). */
export function lateRowDate(row: LateRow): string {
  return utcDate(row.event_time);
}

/** A column, Snappy-compressed like every column of the sink's files. */
function column(type: ParquetType): ParquetFieldDefinition {
  return { type, compression: "SNAPPY" };
}

export function resultSchema(): ParquetSchema {
  return new ParquetSchema({
    key_kind: column("UTF8"),
    key: column("UTF8"),
    window_start: column("TIMESTAMP_MILLIS"),
    window_end: column("TIMESTAMP_MILLIS"),
    sum_cents: column("INT64"),
    count: column("INT64"),
    avg_cents: column("INT64"),
  });
}

export function lateSchema(): ParquetSchema {
  return new ParquetSchema({
    key: column("UTF8"),
    event_id: column("UTF8"),
    user_id: column("UTF8"),
    product_id: column("UTF8"),
    event_type: column("UTF8"),
    amount_cents: column("INT64"),
    event_time: column("TIMESTAMP_MILLIS"),
    missed_windows: { repeated: true, fields: { start: column("TIMESTAMP_MILLIS"), end: column("TIMESTAMP_MILLIS") } },
    watermark: column("TIMESTAMP_MILLIS"),
    reason: column("UTF8"),
  });
}
