/**
 * What the Parquet sink writes: one row per final window result and one per late record, their Parquet schemas,
 * the key a replayed row is recognized by, and the UTC date partition a row belongs to. Pure (no IO).
 *
 * Money is exact: DECIMAL(18,2) (`sum`, `avg`, `amount`), held here and stored as its unscaled value, whole cents.
 * Times are instants (TIMESTAMP, UTC, milliseconds), names strings, counts INT64 (parquet_logical_types.ts).
 */
import type { Columns } from "../transforms/sinks/parquet_logical_types";
import type { LateSale } from "./late_sale";
import type { SalesWindowResult } from "./window_result";
import { amountCents } from "./sale_event";

/** A final window result as written (one per key kind, key and window). */
export interface ResultRow {
  readonly key_kind: string;
  readonly key: string;
  readonly window_start: number;
  readonly window_end: number;
  /** DECIMAL(18,2), unscaled: whole cents. */
  readonly sum: number;
  readonly count: number;
  /** DECIMAL(18,2), unscaled: whole cents. */
  readonly avg: number;
}

/** A late record as written: the event, the windows it missed, and why. */
export interface LateRow {
  readonly key: string;
  readonly event_id: string;
  readonly user_id: string;
  readonly product_id: string;
  readonly event_type: string;
  /** DECIMAL(18,2), unscaled: whole cents. */
  readonly amount: number;
  readonly event_time: number;
  readonly missed_windows: ReadonlyArray<{ readonly start: number; readonly end: number }>;
  readonly watermark: number;
  readonly reason: string;
}

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
    sum: r.sumCents,
    count: r.count,
    avg: r.avgCents,
  };
}

export function lateRow(l: LateSale): LateRow {
  return {
    key: l.key,
    event_id: l.value.event_id,
    user_id: l.value.user_id,
    product_id: l.value.product_id,
    event_type: l.value.event_type,
    amount: amountCents(l.value),
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

/** Columns an earlier version wrote as integer cents under other names: a staging log it left is read with these. */
export const RENAMED_FIELDS: Readonly<Record<string, string>> = { sum_cents: "sum", avg_cents: "avg", amount_cents: "amount" };

/** The results' columns, in file order. */
export const RESULT_COLUMNS: Columns = {
  key_kind: "text",
  key: "text",
  window_start: "instant",
  window_end: "instant",
  sum: "money",
  count: "count",
  avg: "money",
};

/** The late records' columns, in file order. */
export const LATE_COLUMNS: Columns = {
  key: "text",
  event_id: "text",
  user_id: "text",
  product_id: "text",
  event_type: "text",
  amount: "money",
  event_time: "instant",
  missed_windows: { repeated: { start: "instant", end: "instant" } },
  watermark: "instant",
  reason: "text",
};
