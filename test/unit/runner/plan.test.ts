/** Planning SDK-built protos: which composites run whole, what is walked into, topological order, errors. */
import * as beam from "apache-beam";
import { Pipeline } from "apache-beam/internal/pipeline";
import { Root, type PCollection } from "apache-beam/pvalue";
import { combinePerKey } from "apache-beam/transforms/internal";
import { planPipeline, type Plan } from "../../../runners/direct/plan";
import { sourceTable } from "../../../runners/direct/sources/registry";
import { fuseStages } from "../../../runners/direct/fusion";
import { fixedWindows, minutes, sessions, testStream, windowInto, windowedCombine } from "../../../transforms";

const sumFn = {
  createAccumulator: () => 0,
  addInput: (a: number, b: number) => a + b,
  mergeAccumulators: (accs: Iterable<number>) => [...accs].reduce((x, y) => x + y, 0),
  extractOutput: (a: number) => a,
};

function build(fn: (root: Root) => void): Plan {
  const pipeline = new Pipeline();
  fn(new Root(pipeline));
  return planPipeline(pipeline.getProto(), sourceTable());
}

const kinds = (plan: Plan) => plan.order.map((i) => plan.steps[i].spec.kind);

test("create runs as impulse → flatMap, its reshuffle as one identity step", () => {
  const plan = build((root) => {
    root.apply(beam.create([1, 2, 3]));
  });
  expect(kinds(plan)).toEqual(["impulse", "pardo", "identity"]);
});

test("a liftable combinePerKey is one grouped step (its GroupByKey is never planned)", () => {
  const plan = build((root) => {
    root
      .apply(testStream<{ key: string; value: number }>().advanceWatermarkToInfinity())
      .apply(windowInto(fixedWindows(minutes(1))))
      .apply(combinePerKey(sumFn));
  });
  expect(kinds(plan)).toContain("combinePerKey");
  expect(kinds(plan)).not.toContain("groupByKey");
});

test("the SDK does not lift combines over sessions: the runner walks into GroupByKey + the combining map", () => {
  const plan = build((root) => {
    root
      .apply(testStream<{ key: string; value: number }>().advanceWatermarkToInfinity())
      .apply(windowInto(sessions(minutes(1))))
      .apply(combinePerKey(sumFn));
  });
  expect(kinds(plan)).toContain("groupByKey");
  expect(kinds(plan)).not.toContain("combinePerKey");
});

test("windowedCombine is one grouped step with a results and a late output", () => {
  const plan = build((root) => {
    root
      .apply(testStream<{ p: string; n: number }>().advanceWatermarkToInfinity())
      .apply(windowInto(fixedWindows(minutes(1))))
      .apply(windowedCombine({ key: (e: { p: string; n: number }) => e.p, value: (e: { p: string; n: number }) => e.n, combineFn: sumFn }));
  });
  const steps = plan.steps.filter((s) => s.spec.kind === "windowedCombine");
  expect(steps).toHaveLength(1);
  expect(steps[0].outputs.map((o) => o.tag).sort()).toEqual(["late", "results"]);
  // Its standard expansion (combinePerKey + the ParDo that emits nothing) is not planned.
  expect(kinds(plan)).not.toContain("combinePerKey");
});

test("steps are in topological order: every input is produced earlier", () => {
  const plan = build((root) => {
    const a = root.apply(beam.withName("a", beam.create([1])));
    const b = root.apply(beam.withName("b", beam.create([2])));
    beam.P([a, b]).apply(beam.flatten()).map(beam.withName("double", (x: number) => x * 2));
  });
  const position = new Map(plan.order.map((step, i) => [step, i]));
  for (const step of plan.steps) {
    for (const input of [...step.inputs, ...step.sideInputs.map((s) => s.collection)]) {
      expect(position.get(plan.collections[input].producer)).toBeLessThan(position.get(step.index) as number);
    }
  }
  expect(kinds(plan)).toContain("flatten");
});

test("an unknown transform URN fails planning with what the runner supports", () => {
  const pipeline = new Pipeline();
  new Root(pipeline).apply(
    beam.withName("mystery", (_root: Root, p: Pipeline, proto: { spec?: { urn: string; payload: Uint8Array } }) => {
      proto.spec = { urn: "example:mystery:v1", payload: new Uint8Array() };
      return p.createPCollectionInternal<number>(new (require("apache-beam/coders/js_coders").GeneralObjectCoder)()) as PCollection<number>;
    }),
  );
  expect(() => planPipeline(pipeline.getProto(), sourceTable())).toThrow(
    /example:mystery:v1.*sources it knows \[[^\]]*beam:transform:teststream:v1[^\]]*\]; pass this source in DirectRunnerOptions\.sources/s,
  );
});

test("fusion: element-wise chains join the stage of the source or grouped step that feeds them", () => {
  const plan = build((root) => {
    root
      .apply(testStream<{ p: string; n: number }>().advanceWatermarkToInfinity())
      .map(beam.withName("parse", (e: { p: string; n: number }) => e))
      .apply(windowInto(fixedWindows(minutes(1))))
      .map(beam.withName("key", (e: { p: string; n: number }) => ({ key: e.p, value: e.n })))
      .apply(combinePerKey(sumFn))
      .map(beam.withName("format", (kv: { key: string; value: number }) => `${kv.key}=${kv.value}`));
  });
  const stages = fuseStages(plan).map((stage) => [stage.head, ...stage.members].map((i) => plan.steps[i].spec.kind));
  // the TestStream's JSON decode, parse, windowInto, key, and the SDK's withCoderInternal (an identity ParDo) in
  // front of the combine.
  expect(stages).toEqual([
    ["source", "pardo", "pardo", "pardo", "pardo", "pardo"],
    ["combinePerKey", "pardo"],
  ]);
});

test("the SDK's map() wrapper is recognized, so the runner calls the mapped function without a generator", () => {
  const { deserializeFn } = require("apache-beam/internal/serialize") as { deserializeFn(b: Uint8Array): unknown };
  const { relinkDeserialized } = require("../../../sdk_workarounds/relink") as { relinkDeserialized<T>(v: T): T };
  const { sdkMapFunction } = require("../../../runners/direct/operators/dofn_operator") as typeof import("../../../runners/direct/operators/dofn_operator");
  const plan = build((root) => {
    root.apply(beam.create([1])).map(beam.withName("double", (x: number) => x * 2)).flatMap(beam.withName("twice", (x: number) => [x, x]));
  });
  const doFnOf = (name: string) => {
    const step = plan.steps.find((s) => s.name.endsWith(name)) as (typeof plan.steps)[number];
    const spec = step.spec as { doFnPayload: Uint8Array };
    return (relinkDeserialized(deserializeFn(spec.doFnPayload)) as { doFn: { process(e: unknown, c: unknown): unknown } }).doFn;
  };
  const mapped = sdkMapFunction(doFnOf("map(double)"));
  expect(mapped?.(21)).toBe(42);
  expect(sdkMapFunction(doFnOf("flatMap(twice)"))).toBeUndefined();
});

test("re-linking replaces the serializer's thunks, also inside closures", () => {
  const { serializeFn, deserializeFn } = require("apache-beam/internal/serialize") as {
    serializeFn(v: unknown): Uint8Array;
    deserializeFn(b: Uint8Array): unknown;
  };
  const { relinkDeserialized } = require("../../../sdk_workarounds/relink") as { relinkDeserialized<T>(v: T): T };
  const FACTOR = 3;
  const inner = (x: number) => x * FACTOR;
  const outer = (x: number) => inner(x) + 1;
  const relinked = relinkDeserialized(deserializeFn(serializeFn({ outer })) as { outer: (x: number) => number });
  expect(relinked.outer(2)).toBe(7);
  const isThunk = (f: unknown) => typeof (f as { __impl?: unknown }).__impl === "function";
  expect(isThunk(relinked.outer)).toBe(false);
  const closure = (relinked.outer as unknown as { __closure(): { inner: unknown } }).__closure();
  expect(isThunk(closure.inner)).toBe(false);
});
