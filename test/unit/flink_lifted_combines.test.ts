/**
 * Combiner lifting for Flink (runners/flink/lifted_combines.ts), on the pipeline protos: which strategies are
 * lifted, and that the lifted graph is well formed (Precombine → GroupByKey → MergeAccumulators → ExtractOutputs,
 * with KV<key, accumulator> coders). That the lifted job gives the same panes on Flink: test/flink/flink.test.ts.
 */
import "apache-beam";
import * as runnerApi from "apache-beam/proto/beam_runner_api";
import { Pipeline } from "apache-beam/internal/pipeline";
import { Root } from "apache-beam/pvalue";
import { parDo } from "apache-beam/transforms/pardo";
import { buildPipeline, type SalesAggregationConfig } from "../../pipelines/sales_aggregation";
import { salesSample } from "../../pipelines/sample_source";
import {
  EXTRACT_OUTPUTS_URN,
  MERGE_ACCUMULATORS_URN,
  PRECOMBINE_URN,
  countsElements,
  withLiftedCombines,
} from "../../runners/flink/lifted_combines";
import { afterCount, afterProcessingTime, afterWatermark, defaultTrigger, repeatedly } from "../../transforms/triggers";
import { GROUP_BY_KEY_URN } from "../../model/urns";

const FIXED: SalesAggregationConfig = { window: { kind: "fixed", size: 60_000, offset: 0 }, key: "product", allowedLateness: 0, trigger: {} };

function salesProto(config: SalesAggregationConfig): runnerApi.Pipeline {
  const p = new Pipeline();
  const noop = parDo<unknown, never>({ process: function discard(): never[] { return []; } });
  void buildPipeline(new Root(p), config, {
    source: salesSample({ count: 10, seed: 1, watermarkDelay: 0 }),
    sinks: { results: noop, late: noop, deadLetters: noop },
  });
  return p.getProto();
}

test("the sales pipeline's combine is lifted: Precombine → GroupByKey → MergeAccumulators → ExtractOutputs", () => {
  const before = salesProto(FIXED);
  const { pipeline, lifted, notLifted } = withLiftedCombines(before);
  expect(lifted).toHaveLength(1);
  expect(notLifted).toEqual([]);
  const c = pipeline.components!;
  const combine = Object.values(c.transforms).find((t) => t.uniqueName === lifted[0])!;
  const steps = combine.subtransforms.map((id) => c.transforms[id]);
  expect(steps.map((t) => t.spec!.urn)).toEqual([PRECOMBINE_URN, GROUP_BY_KEY_URN, MERGE_ACCUMULATORS_URN, EXTRACT_OUTPUTS_URN]);
  // A chain from the combine's input to its output, each step reading what the one before wrote.
  const [pre, gbk, merge, extract] = steps;
  expect(Object.values(pre.inputs)).toEqual(Object.values(combine.inputs));
  expect(Object.values(gbk.inputs)).toEqual(Object.values(pre.outputs));
  expect(Object.values(merge.inputs)).toEqual(Object.values(gbk.outputs));
  expect(Object.values(extract.inputs)).toEqual(Object.values(merge.outputs));
  expect(Object.values(extract.outputs)).toEqual(Object.values(combine.outputs));
  // The TypeScript steps run in the TypeScript environment; the grouping in Java.
  for (const t of [pre, merge, extract]) expect(t.environmentId).not.toBe("");
  // What crosses to the GroupByKey is KV<key, accumulator>, and it hands back KV<key, iterable<accumulator>>.
  const payload = runnerApi.CombinePayload.fromBinary(combine.spec!.payload);
  const coder = (pc: string) => c.coders[c.pcollections[pc].coderId];
  const preOut = coder(Object.values(pre.outputs)[0]);
  expect(preOut.spec!.urn).toBe("beam:coder:kv:v1");
  expect(preOut.componentCoderIds[1]).toBe(payload.accumulatorCoderId);
  const grouped = coder(Object.values(gbk.outputs)[0]);
  expect(c.coders[grouped.componentCoderIds[1]].spec!.urn).toBe("beam:coder:iterable:v1");
  expect(c.coders[grouped.componentCoderIds[1]].componentCoderIds).toEqual([payload.accumulatorCoderId]);
  // No transform reads a collection nothing writes (the unlifted applyCombine is gone).
  const written = new Set(Object.values(c.transforms).filter((t) => t.subtransforms.length === 0).flatMap((t) => Object.values(t.outputs)));
  const read = Object.values(c.transforms).filter((t) => t.subtransforms.length === 0).flatMap((t) => Object.values(t.inputs));
  expect(read.filter((pc) => !written.has(pc))).toEqual([]);
  expect(Object.values(c.transforms).filter((t) => t.uniqueName.endsWith("/applyCombine"))).toEqual([]);
  // The input pipeline is left as it was.
  expect(Object.values(before.components!.transforms).filter((t) => t.spec?.urn === PRECOMBINE_URN)).toEqual([]);
});

test("sessions, element-count triggers and per-element late panes stay unlifted, with the reason", () => {
  const sessions = withLiftedCombines(salesProto({ ...FIXED, window: { kind: "sessions", gap: 30_000 }, key: "user" }));
  // The SDK's combinePerKey writes no CombinePayload for merging windows: nothing to lift.
  expect(sessions.lifted).toEqual([]);
  expect(Object.values(sessions.pipeline.components!.transforms).filter((t) => t.spec?.urn === PRECOMBINE_URN)).toEqual([]);
  const lateness = withLiftedCombines(salesProto({ ...FIXED, allowedLateness: 60_000 }));
  expect(lateness.lifted).toEqual([]);
  expect(lateness.notLifted[0]).toMatch(/element counts/);
  // Early firings by processing time, lateness 0 (the late afterCount(1) never sees an element): lifted.
  expect(withLiftedCombines(salesProto({ ...FIXED, trigger: { early: 10_000 } })).lifted).toHaveLength(1);
  expect(withLiftedCombines(salesProto({ ...FIXED, window: { kind: "sliding", size: 60_000, period: 20_000, offset: 0 } })).lifted).toHaveLength(1);
});

test("which triggers count elements", () => {
  expect(countsElements(defaultTrigger(), 0)).toBe(false);
  expect(countsElements(defaultTrigger(), 1)).toBe(true);
  expect(countsElements(afterWatermark({ early: afterCount(10) }), 0)).toBe(true);
  expect(countsElements(afterWatermark({ early: afterProcessingTime(1000), late: afterCount(1) }), 0)).toBe(false);
  expect(countsElements(afterWatermark({ early: afterProcessingTime(1000), late: afterCount(1) }), 1)).toBe(true);
  expect(countsElements(afterWatermark({ late: afterProcessingTime(1000) }), 1)).toBe(false);
  expect(countsElements(repeatedly(afterWatermark()), 1)).toBe(true);
  expect(countsElements(repeatedly(afterProcessingTime(5)), 1)).toBe(false);
  expect(countsElements({ kind: "always" }, 0)).toBe(true);
});
