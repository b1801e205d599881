/**
 * Async DoFns, typed: `process` (and `finishBundle`) may return a promise. The SDK's DoFn type only allows
 * synchronous results; our direct runner awaits promises with ordering per key ({key, value} elements) and a
 * bound on work in flight (backpressure). Sinks are written this way.
 *
 *   rows.apply(asyncParDo({ process: async (row) => { await db.insert(row); } }))
 *
 * Read context parameters (windowParam(), paneInfoParam(), ...) synchronously at the start of process(), before
 * the first await.
 */
import "apache-beam";
import { parDo, type DoFn } from "apache-beam/transforms/pardo";
import type { PCollection } from "apache-beam/pvalue";
import type { WindowedValue } from "apache-beam/values";

export interface AsyncDoFn<I, O, C = undefined> {
  beamName?: string;
  process(element: I, context: C): Promise<Iterable<O> | void> | Iterable<O> | void;
  startBundle?(context: C): Promise<void> | void;
  finishBundle?(context: C): Promise<Iterable<WindowedValue<O>> | void> | Iterable<WindowedValue<O>> | void;
}

export function asyncParDo<I, O = never, C extends object | undefined = undefined>(
  doFn: AsyncDoFn<I, O, C>,
  context?: C,
): (input: PCollection<I>) => PCollection<O> {
  return parDo(doFn as unknown as DoFn<I, O, C>, context) as unknown as (input: PCollection<I>) => PCollection<O>;
}
