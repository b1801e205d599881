/**
 * The aggregators behind a transcript's `combine:` key. `list` is GroupByKey (every value, as a list); the
 * others are lifted CombineFns producing one number per pane.
 */
import { Aggregator } from "../../model/model";
import { CombineKind, Scalar } from "./transcript";

/** The output of a pane: the list of values (`list`) or the combined number. */
export type CombinedValue = readonly Scalar[] | number;

const listAggregator: Aggregator<Scalar, Scalar[], CombinedValue> = {
  create: () => [],
  add: (accumulator, value) => {
    accumulator.push(value);
    return accumulator;
  },
  merge: (accumulators) => accumulators.flat(),
  extract: (accumulator) => [...accumulator],
};

const sumAggregator: Aggregator<Scalar, number, CombinedValue> = {
  create: () => 0,
  add: (accumulator, value) => accumulator + Number(value),
  merge: (accumulators) => accumulators.reduce((a, b) => a + b, 0),
  extract: (accumulator) => accumulator,
};

const countAggregator: Aggregator<Scalar, number, CombinedValue> = {
  create: () => 0,
  add: (accumulator) => accumulator + 1,
  merge: (accumulators) => accumulators.reduce((a, b) => a + b, 0),
  extract: (accumulator) => accumulator,
};

interface MeanAccumulator {
  sum: number;
  count: number;
}

const meanAggregator: Aggregator<Scalar, MeanAccumulator, CombinedValue> = {
  create: () => ({ sum: 0, count: 0 }),
  add: (accumulator, value) => ({ sum: accumulator.sum + Number(value), count: accumulator.count + 1 }),
  merge: (accumulators) =>
    accumulators.reduce((a, b) => ({ sum: a.sum + b.sum, count: a.count + b.count }), { sum: 0, count: 0 }),
  // Beam's Mean of nothing is NaN; an empty pane (FIRE_ALWAYS) then shows as NaN.
  extract: (accumulator) => (accumulator.count === 0 ? Number.NaN : accumulator.sum / accumulator.count),
};

/** The aggregator for a `combine:` kind. */
export function aggregatorFor(kind: CombineKind): Aggregator<Scalar, unknown, CombinedValue> {
  switch (kind) {
    case "list":
      return listAggregator as Aggregator<Scalar, unknown, CombinedValue>;
    case "sum":
      return sumAggregator as Aggregator<Scalar, unknown, CombinedValue>;
    case "count":
      return countAggregator as Aggregator<Scalar, unknown, CombinedValue>;
    case "mean":
      return meanAggregator as Aggregator<Scalar, unknown, CombinedValue>;
  }
}
