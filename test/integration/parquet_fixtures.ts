/**
 * Rows for the Parquet sink tests: window results (final and not) and late records as the sales pipeline emits
 * them, deterministic from a seed.
 */
import type { LateSale, SalesWindowResult } from "../../pipelines/sales_aggregation";
import type { Timing } from "../../runners/direct/grouping/model";
import { averageCents } from "../../transforms/events";

export const DAY = 86_400_000;
/** 2026-11-27T23:58:00Z: windows straddle midnight, so rows land in two date partitions. */
export const BASE = Date.UTC(2026, 10, 27, 23, 58);

export function windowResult(i: number, isLast: boolean, index = 0): SalesWindowResult {
  const start = BASE + Math.floor(i / 10) * 60_000;
  const count = 1 + (i % 7);
  const sumCents = 100_000_000_00 + i * 1_234_567 + (i % 3); // above 2^31 cents: INT64 must be exact
  const avgCents = averageCents(sumCents, count);
  const timing: Timing = isLast ? "ON_TIME" : "EARLY";
  return {
    key: `prod_${i % 10}`,
    keyKind: "product",
    window: { start, end: start + 60_000 },
    sumCents,
    sum: sumCents / 100,
    count,
    avgCents,
    avg: avgCents / 100,
    pane: { timing, index, nonSpeculativeIndex: isLast ? 0 : -1, isFirst: index === 0, isLast },
  };
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

/** The row the results dataset must hold for a final pane (epoch ms, cents). */
export function expectedResultRow(r: SalesWindowResult): Record<string, unknown> {
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

export function resultIdentity(row: Record<string, unknown>): string {
  return `${String(row.key_kind)}|${String(row.key)}|${String(row.window_start)}|${String(row.window_end)}`;
}
