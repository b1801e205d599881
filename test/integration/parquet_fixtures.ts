/**
 * Rows for the Parquet sink tests: window results (final and not) and late records as the sales pipeline emits
 * them, each determined by its index.
 */
import type { LateSale } from "../../sales/late_sale";
import type { SalesWindowResult } from "../../sales/window_result";
import { syntheticWindowResult, type SyntheticResults } from "../../sales/synthetic_results";
import { resultRow } from "../../sales/parquet_rows";

/** 2026-11-27T23:58:00Z: windows straddle midnight, so rows land in two date partitions. */
export const BASE = Date.UTC(2026, 10, 27, 23, 58);

const RESULTS: SyntheticResults = {
  start: BASE,
  products: 10,
  sumCents: (i) => 100_000_000_00 + i * 1_234_567 + (i % 3), // above 2^31 cents: INT64 must be exact
  count: (i) => 1 + (i % 7),
};

export function windowResult(i: number, isLast: boolean, index = 0): SalesWindowResult {
  return syntheticWindowResult(RESULTS, i, isLast, index);
}

export function lateSale(i: number): LateSale {
  const timestamp = BASE + i * 7_000;
  const windowStart = timestamp - (timestamp % 60_000);
  return {
    key: `prod_${i % 10}`,
    value: {
      event_id: `evt_${i}`,
      user_id: `user_${i % 4}`,
      product_id: `prod_${i % 10}`,
      amount: (i * 137) / 100,
      timestamp: new Date(timestamp).toISOString(),
      event_type: "purchase",
    },
    timestamp,
    windows: [{ start: windowStart, end: windowStart + 60_000 }],
    watermark: timestamp + 5 * 60_000,
    reason: "EXPIRED_WINDOW",
  };
}

/** What identifies a result row: key kind, key and window. */
export function resultIdentity(row: { readonly key_kind?: unknown; readonly key?: unknown; readonly window_start?: unknown; readonly window_end?: unknown }): string {
  return `${String(row.key_kind)}|${String(row.key)}|${String(row.window_start)}|${String(row.window_end)}`;
}

/** A final result as a reader of its file sees it: money as the decimal (hyparquet: the nearest number to cents / 100). */
export function resultAsRead(r: SalesWindowResult): Record<string, unknown> {
  return { ...resultRow(r), sum: r.sumCents / 100, avg: r.avgCents / 100 };
}
