/**
 * Synthetic window results for sink tests and benchmarks: result `i` is product `i % products` in the
 * `floor(i / products)`-th 1-minute window from `start`, with exact cents; final or not, with a pane index.
 */
import type { Timing } from "../model/model";
import { averageCents } from "./sale_event";
import type { SalesWindowResult } from "./window_result";

export interface SyntheticResults {
  /** Start of the first window (ms). */
  readonly start: number;
  readonly products: number;
  /** The sum in cents of result i. */
  readonly sumCents: (i: number) => number;
  /** The event count of result i. */
  readonly count: (i: number) => number;
}

export function syntheticWindowResult(config: SyntheticResults, i: number, isLast: boolean, index = 0): SalesWindowResult {
  const start = config.start + Math.floor(i / config.products) * 60_000;
  const count = config.count(i);
  const sumCents = config.sumCents(i);
  const avgCents = averageCents(sumCents, count);
  const timing: Timing = isLast ? "ON_TIME" : "EARLY";
  return {
    key: `prod_${i % config.products}`,
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
