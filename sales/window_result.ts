/**
 * What the sales job writes for one key in one window, as of one pane: the aggregate (exact cents) with the
 * window and pane it belongs to. The sinks store it; console, PostgreSQL and Parquet read the same shape.
 */
import type { Millis, Timing } from "../model/model";

/** What the aggregation groups by: products (the tutorial's groupBy), or users (its session windows). */
export type AggregationKey = "product" | "user";

/** The aggregate of one key in one window, as of one pane. */
export interface SalesWindowResult {
  readonly key: string;
  readonly keyKind: AggregationKey;
  readonly window: { readonly start: Millis; readonly end: Millis };
  /** The exact sum in cents (integer minor units); `sum` is the same in currency units, for display. */
  readonly sumCents: number;
  readonly sum: number;
  readonly count: number;
  /** The average rounded once to the cent (half up), in cents; `avg` is the same in currency units. */
  readonly avgCents: number;
  readonly avg: number;
  readonly pane: {
    readonly timing: Timing;
    readonly index: number;
    readonly nonSpeculativeIndex: number;
    readonly isFirst: boolean;
    readonly isLast: boolean;
  };
}
