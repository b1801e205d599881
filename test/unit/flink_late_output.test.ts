/**
 * The late-data output on Flink (runners/flink/late_output.ts), on the pipeline protos and the wire format: each
 * windowedCombine's GroupByKey gets our URN and a second output, its late ParDo reads that output in the global
 * window, and the metadata the job server writes (LateRecordEncoding.java) decodes into the direct runner's
 * LateRecord. That Flink's late records equal the direct runner's: test/flink/flink.test.ts.
 */
import "apache-beam";
import * as runnerApi from "apache-beam/proto/beam_runner_api";
import { Pipeline } from "apache-beam/internal/pipeline";
import { Root } from "apache-beam/pvalue";
import { parDo } from "apache-beam/transforms/pardo";
import { buildPipeline } from "../../pipelines/sales_aggregation";
import { salesSample } from "../../pipelines/sample_source";
import { decodeLateRecord, GROUP_BY_KEY_WITH_LATE_URN, withLateOutputs } from "../../runners/flink/late_output";
import { withLiftedCombines } from "../../runners/flink/lifted_combines";
import { GROUP_BY_KEY_URN, WINDOWED_COMBINE_URN } from "../../model/urns";

function salesProto(): runnerApi.Pipeline {
  const p = new Pipeline();
  const noop = parDo<unknown, never>({ process: function discard(): never[] { return []; } });
  void buildPipeline(new Root(p), { window: { kind: "sliding", size: 60_000, period: 30_000, offset: 0 }, key: "product", allowedLateness: 0, trigger: {} }, {
    source: salesSample({ count: 10, seed: 1, watermarkDelay: 0 }),
    sinks: { results: noop, late: noop, deadLetters: noop },
  });
  return p.getProto();
}

test("the windowed combine's GroupByKey gets our URN with a late output, which its late ParDo reads in the global window", () => {
  const before = salesProto();
  const { pipeline, rewritten } = withLateOutputs(before);
  expect(rewritten).toHaveLength(1);
  const c = pipeline.components!;
  const transforms = Object.values(c.transforms);
  expect(transforms.filter((t) => t.spec?.urn === GROUP_BY_KEY_URN)).toEqual([]);
  const [gbk] = transforms.filter((t) => t.spec?.urn === GROUP_BY_KEY_WITH_LATE_URN);
  expect(Object.keys(gbk.outputs).sort()).toEqual(["grouped", "late"]);
  expect(gbk.environmentId).toBe("");
  const late = c.pcollections[gbk.outputs.late];
  const wire = c.coders[late.coderId];
  expect(wire.spec!.urn).toBe("beam:coder:kv:v1");
  const inner = c.coders[wire.componentCoderIds[1]];
  expect(c.coders[inner.componentCoderIds[1]].spec!.urn).toBe("beam:coder:bytes:v1");
  // The GroupByKey's input KV<key, value> coders, then the metadata's bytes.
  const input = c.coders[c.pcollections[Object.values(gbk.inputs)[0]].coderId];
  expect([wire.componentCoderIds[0], inner.componentCoderIds[0]]).toEqual(input.componentCoderIds);
  const combine = transforms.find((t) => t.spec?.urn === WINDOWED_COMBINE_URN)!;
  const decoder = transforms.find((t) => Object.values(t.inputs).includes(gbk.outputs.late))!;
  expect(decoder.uniqueName).toMatch(/lateDataOnlyOnTheDirectRunner$/);
  const global = c.pcollections[combine.outputs.late].windowingStrategyId;
  expect([late.windowingStrategyId, c.pcollections[Object.values(decoder.outputs)[0]].windowingStrategyId]).toEqual([global, global]);
  // The original is unchanged, and a rewritten combine is not lifted.
  expect(Object.values(before.components!.transforms).filter((t) => t.spec?.urn === GROUP_BY_KEY_URN)).toHaveLength(1);
  expect(withLiftedCombines(pipeline).lifted).toEqual([]);
});

/** The bytes LateRecordEncoding.encode writes. */
function metadata(reason: number, watermark: number, timestamp: number, windows: Array<[number, number]>): Uint8Array {
  const bytes = new Uint8Array(21 + 16 * windows.length);
  const view = new DataView(bytes.buffer);
  view.setUint8(0, reason);
  view.setBigInt64(1, BigInt(watermark));
  view.setBigInt64(9, BigInt(timestamp));
  view.setInt32(17, windows.length);
  windows.forEach(([start, end], i) => {
    view.setBigInt64(21 + 16 * i, BigInt(start));
    view.setBigInt64(29 + 16 * i, BigInt(end));
  });
  return bytes;
}

test("a late record's metadata decodes into the direct runner's LateRecord (reason, watermark, event time, missed windows)", () => {
  const meta = metadata(0, 1_700_000_120_000, 1_699_999_990_000, [[1_699_999_980_000, 1_700_000_040_000], [-60_000, 0]]);
  expect(decodeLateRecord({ key: "espresso", value: { key: { cents: 350 }, value: meta } })).toEqual({
    key: "espresso",
    value: { cents: 350 },
    timestamp: 1_699_999_990_000,
    windows: [
      { start: 1_699_999_980_000, end: 1_700_000_040_000 },
      { start: -60_000, end: 0 },
    ],
    watermark: 1_700_000_120_000,
    reason: "EXPIRED_WINDOW",
  });
  expect(decodeLateRecord({ key: 1, value: { key: 2, value: metadata(1, 10, 5, [[0, 10]]) } }).reason).toBe("CLOSED_WINDOW");
  expect(() => decodeLateRecord({ key: 1, value: { key: 2, value: new Uint8Array([7]) } })).toThrow(/metadata is malformed/);
});
