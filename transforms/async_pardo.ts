/**
 * Async DoFns, typed: `process` (and `finishBundle`) may return a promise. The SDK's DoFn type only allows
 * synchronous results; our direct runner awaits promises with ordering per key ({key, value} elements) and a
 * bound on work in flight (backpressure). Sinks are written this way.
 *
 *   rows.apply(asyncParDo({ process: async (row) => { await db.insert(row); } }))
 *
 * Read context parameters (windowParam(), paneInfoParam(), ...) synchronously at the start of process(), before
 * the first await.
 *
 * On portable runners (Flink) the SDK worker's ParDo cannot await a promise, so the transform carries the
 * ASYNC_DOFN_ANNOTATION; the Flink runner submits it as AWAITING_PARDO_URN, run by our worker-side operator, which
 * awaits `process` and `finishBundle` before the bundle is acknowledged (sdk_workarounds/awaiting_pardo_operator.ts).
 */
import "apache-beam";
import { parDo, type DoFn } from "apache-beam/transforms/pardo";
import type { PCollection } from "apache-beam/pvalue";
import type { WindowedValue } from "apache-beam/values";
import type { Pipeline } from "apache-beam/internal/pipeline";
import type * as runnerApi from "apache-beam/proto/beam_runner_api";
import { withName } from "apache-beam/transforms/transform";
import { ASYNC_DOFN_ANNOTATION } from "../model/urns";

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
  const inner = parDo(doFn as unknown as DoFn<I, O, C>, context) as unknown as ParDoExpansion<I, O>;
  const name = typeof inner.beamName === "string" ? inner.beamName : `asyncParDo(${doFn.beamName ?? "anonymous"})`;
  return withName(name, (input: PCollection<I>, pipeline: Pipeline, proto: runnerApi.PTransform): PCollection<O> => {
    const output = inner(input, pipeline, proto);
    proto.annotations[ASYNC_DOFN_ANNOTATION] = new Uint8Array([1]);
    return output;
  }) as unknown as (input: PCollection<I>) => PCollection<O>;
}

type ParDoExpansion<I, O> = ((input: PCollection<I>, pipeline: Pipeline, proto: runnerApi.PTransform) => PCollection<O>) & {
  beamName?: string | (() => string);
};
