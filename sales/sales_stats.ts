/**
 * The statistics of a sales window: sum, count and average of the amounts, summed exactly in integer cents and
 * the average rounded once, at the output (sale_event.ts `averageCents`).
 */
import "apache-beam"; // the SDK loads its modules in its own order first
import type { CombineFn } from "apache-beam/transforms/group_and_combine";
import { averageCents, type SaleEvent } from "./sale_event";

/** Exact money: sums in integer cents, the average rounded once, at the output. */
export interface SalesStats {
  readonly sumCents: number;
  readonly sum: number;
  readonly count: number;
  readonly avgCents: number;
  readonly avg: number;
}

/** sum, count and average of the amounts, summed exactly in integer cents. */
export function salesStatsFn(): CombineFn<SaleEvent, [number, number], SalesStats> {
  return {
    createAccumulator: (): [number, number] => [0, 0],
    // Updates the accumulator in place (a CombineFn may; no array per event).
    addInput: (acc: [number, number], event: SaleEvent): [number, number] => {
      acc[0] += Math.round(event.amount * 100); // amountCents (inlined: this function is serialized)
      acc[1] += 1;
      return acc;
    },
    mergeAccumulators: (accs: Iterable<[number, number]>): [number, number] => {
      let sum = 0;
      let count = 0;
      for (const a of accs) {
        sum += a[0];
        count += a[1];
      }
      return [sum, count];
    },
    extractOutput: (acc: [number, number]): SalesStats => {
      const avgCents = averageCents(acc[0], acc[1]);
      return { sumCents: acc[0], sum: acc[0] / 100, count: acc[1], avgCents, avg: avgCents / 100 };
    },
  };
}
