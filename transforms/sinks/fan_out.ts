/**
 * One collection to several sinks: `fanOut("writeResults", consoleResults(), pg.results)` applies each sink to
 * the same collection (each keeps its own step name; pass sinks with distinct names).
 */
import "apache-beam";
import type { PCollection, PValue } from "apache-beam/pvalue";
import { withName } from "apache-beam/transforms/transform";
import type { Sink } from "./sink";

export function fanOut<T>(name: string, sinks: ReadonlyArray<Sink<T>>): Sink<T> {
  if (sinks.length === 0) throw new Error(`${name}: fanOut needs at least one sink`);
  if (sinks.length === 1) return sinks[0];
  return withName(name, (input: PCollection<T>): PValue<unknown> => sinks.map((sink) => input.apply(sink) as PValue<unknown>));
}
