/** The Aggregators grouped steps hand to the keyed grouping reducer: GroupByKey's list and a lifted CombineFn. */
import type { CombineFn } from "apache-beam/transforms/group_and_combine";
import type { Aggregator } from "../../model/model";

/** GroupByKey: collects the values of a key and window; each pane gets its own copy of the list. */
export function listAggregator<V>(): Aggregator<V, V[], V[]> {
  return {
    create: () => [],
    add(accumulator: V[], value: V): V[] {
      accumulator.push(value);
      return accumulator;
    },
    merge(accumulators: V[][]): V[] {
      const merged: V[] = [];
      for (const accumulator of accumulators) for (const value of accumulator) merged.push(value);
      return merged;
    },
    extract: (accumulator: V[]) => accumulator.slice(),
  };
}

/** Combiner lifting: values are added to an accumulator as they arrive, never buffered. */
export function combineFnAggregator<V, A, O>(combineFn: CombineFn<V, A, O>): Aggregator<V, A, O> {
  return {
    create: () => combineFn.createAccumulator(),
    add: (accumulator: A, value: V) => combineFn.addInput(accumulator, value),
    merge: (accumulators: A[]) => combineFn.mergeAccumulators(accumulators),
    extract: (accumulator: A) => combineFn.extractOutput(accumulator),
  };
}
