/**
 * Windowed combine with a late-data output (what Beam lacks and Flink has):
 *
 *   const { results, late } = sales.apply(windowedCombine({
 *     key: (sale: Sale) => sale.product_id,
 *     value: (sale: Sale) => sale.amount,
 *     combineFn: sumCountAvg(),
 *   }));
 *
 * `results` holds one {key, value} per key, window and pane, with the pane Beam defines (early / on time / late,
 * final). `late` holds every element that was droppable when it arrived — its window's maxTimestamp +
 * allowedLateness was already behind the watermark, or the window's trigger had finished — as a LateRecord
 * (key, value, event time, the window(s) it missed, the watermark then), in the global window so any sink can
 * consume it. The runner also counts them in the counter `droppedDueToLateness`.
 *
 * In the proto this is a composite with URN beam-ts:transform:windowed_combine_per_key:v1 whose subtransforms are
 * the standard expansion: combinePerKey for `results` and a ParDo that emits nothing for `late`. Our direct
 * runner executes the composite whole, as one grouped step with two outputs. On Flink with our job server the
 * submission rewrites the GroupByKey to one with a late output and the late ParDo to its decoder
 * (runners/flink/late_output.ts). A portable runner that knows neither runs the subtransforms: `results` is the same,
 * but `late` stays EMPTY there (dropped data is only counted by that runner, as Beam does).
 */
import "apache-beam";
import type { PCollection } from "apache-beam/pvalue";
import type { KV } from "apache-beam/values";
import type { CombineFn } from "apache-beam/transforms/group_and_combine";
import type { Pipeline } from "apache-beam/internal/pipeline";
import type * as runnerApi from "apache-beam/proto/beam_runner_api";
import { combinePerKey } from "apache-beam/transforms/internal";
import { parDo } from "apache-beam/transforms/pardo";
import { windowInto } from "apache-beam/transforms/window";
import { globalWindows } from "apache-beam/transforms/windowings";
import { withName } from "apache-beam/transforms/transform";
import { serializeFn } from "apache-beam/internal/serialize";
import { WINDOWED_COMBINE_URN } from "../model/urns";
import type { LateRecord } from "../model/late_record";

export type { LateRecord } from "../model/late_record";

export type WindowedCombineResult<K, V, O> = {
  /** One element per key, window and pane. */
  results: PCollection<KV<K, O>>;
  /** Droppable elements, in the global window (empty on runners that do not know our URN). */
  late: PCollection<LateRecord<K, V>>;
};

type Expansion<I, O> = (input: PCollection<I>, pipeline: Pipeline, proto: runnerApi.PTransform) => O;

/** Combines {key, value} elements per key and window, with a late-data output. */
export function windowedCombinePerKey<K, V, A, O>(
  combineFn: CombineFn<V, A, O>,
  name = "windowedCombinePerKey",
): Expansion<KV<K, V>, WindowedCombineResult<K, V, O>> {
  return withName(name, (input: PCollection<KV<K, V>>, _pipeline: Pipeline, proto: runnerApi.PTransform) => {
    proto.spec = { urn: WINDOWED_COMBINE_URN, payload: serializeFn({ combineFn }) };
    const results = input.apply(combinePerKey<K, V, A, O>(combineFn)) as PCollection<KV<K, O>>;
    const late = input
      .apply(
        withName(
          "lateDataOnlyOnTheDirectRunner",
          parDo<KV<K, V>, LateRecord<K, V>>({
            process: function emitsNothingOutsideTheDirectRunner(): void {},
          }),
        ),
      )
      .apply(withName("lateInGlobalWindow", windowInto(globalWindows()))) as PCollection<LateRecord<K, V>>;
    return { results, late };
  });
}

export interface WindowedCombineOptions<T, K, V, A, O> {
  /** The grouping key of an element. */
  readonly key: (element: T) => K;
  /** The value combined (default: the element itself). */
  readonly value?: (element: T) => V;
  readonly combineFn: CombineFn<V, A, O>;
  /** Step name (unique per pipeline). Default "windowedCombine". */
  readonly name?: string;
}

/** Keys elements, then windowedCombinePerKey. */
export function windowedCombine<T, K, V, A, O>(
  options: WindowedCombineOptions<T, K, V, A, O>,
): (input: PCollection<T>) => WindowedCombineResult<K, V, O> {
  const name = options.name ?? "windowedCombine";
  const keyFn = options.key;
  const valueFn = options.value;
  return withName(name, (input: PCollection<T>) => {
    const keyed = input.map(
      withName("keyAndValue", (element: T): KV<K, V> => ({
        key: keyFn(element),
        value: valueFn ? valueFn(element) : (element as unknown as V),
      })),
    );
    return keyed.apply(windowedCombinePerKey<K, V, A, O>(options.combineFn, "combinePerKeyAndWindow"));
  });
}
