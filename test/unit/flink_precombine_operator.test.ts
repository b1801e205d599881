/**
 * Our Precombine operator for Flink's lifted combines (sdk_workarounds/precombine_operator.ts), driven directly: one
 * accumulator per key and window per bundle, emitted at the bundle's end at the window's end; keys and windows
 * that have no plain-string identity (objects, other window types) grouped by their encoded bytes.
 */
import "apache-beam";
import Long from "long";
import * as runnerApi from "apache-beam/proto/beam_runner_api";
import { serializeFn } from "apache-beam/internal/serialize";
import { SERIALIZED_JS_COMBINEFN_INFO } from "apache-beam/internal/urns";
import { GeneralObjectCoder } from "apache-beam/coders/js_coders";
import { IntervalWindowCoder, PaneInfoCoder } from "apache-beam/coders/standard_coders";
import { NonPromise, type OperatorContext } from "apache-beam/worker/operators";
import { GlobalWindow, IntervalWindow, type KV, type Window, type WindowedValue } from "apache-beam/values";
import { PrecombineOperator } from "../../sdk_workarounds/precombine_operator";
import { PRECOMBINE_URN } from "../../runners/flink/lifted_combines";

const sumFn = {
  createAccumulator: (): number[] => [0, 0],
  addInput: (acc: number[], v: number): number[] => [acc[0] + v, acc[1] + 1],
  mergeAccumulators: (accs: Iterable<number[]>): number[] => [...accs].reduce((a, b) => [a[0] + b[0], a[1] + b[1]], [0, 0]),
  extractOutput: (acc: number[]): number[] => acc,
};

function operator(windowCoder: unknown) {
  const out: WindowedValue<KV<unknown, number[]>>[] = [];
  const transform = runnerApi.PTransform.create({
    uniqueName: "combine/Precombine",
    spec: {
      urn: PRECOMBINE_URN,
      payload: runnerApi.CombinePayload.toBinary({
        combineFn: { urn: SERIALIZED_JS_COMBINEFN_INFO, payload: serializeFn({ combineFn: sumFn }) },
        accumulatorCoderId: "obj",
      }),
    },
    inputs: { in: "input" },
    outputs: { out: "output" },
  });
  const context = {
    descriptor: {
      pcollections: { input: { coderId: "kv", windowingStrategyId: "ws" } },
      coders: { kv: { componentCoderIds: ["obj", "obj"] } },
      windowingStrategies: { ws: { windowCoderId: "window" } },
    },
    pipelineContext: { getCoder: (id: string) => (id === "window" ? windowCoder : new GeneralObjectCoder()) },
    getReceiver: () => ({
      receive: (wv: WindowedValue<KV<unknown, number[]>>) => {
        out.push(wv);
        return NonPromise;
      },
    }),
  } as unknown as OperatorContext;
  return { op: new PrecombineOperator("pre", transform, context), out };
}

const w = (start: number, end: number): Window => new IntervalWindow(Long.fromNumber(start), Long.fromNumber(end));

function element(key: unknown, value: number, windows: Window[]): WindowedValue<KV<unknown, number>> {
  return { value: { key, value }, windows, timestamp: Long.fromNumber(0), pane: PaneInfoCoder.ONE_AND_ONLY_FIRING };
}

function rows(out: WindowedValue<KV<unknown, number[]>>[]): string[] {
  return out
    .map((wv) => {
      const win = wv.windows[0] as unknown as { start?: Long; end?: Long };
      const where = win.start === undefined ? "global" : `[${win.start.toString()},${win.end!.toString()})`;
      return `${JSON.stringify(wv.value.key)} ${where} sum=${wv.value.value[0]} n=${wv.value.value[1]} @${Long.fromValue(wv.timestamp as Long).toString()}`;
    })
    .sort();
}

test("one accumulator per key and window per bundle, emitted when the bundle finishes, at the window's end", async () => {
  const { op, out } = operator(new IntervalWindowCoder());
  await op.startBundle();
  op.process(element("a", 1, [w(0, 60)]));
  op.process(element("a", 2, [w(0, 60)]));
  op.process(element("b", 4, [w(0, 60)]));
  op.process(element("a", 8, [w(60, 120)]));
  op.process(element(7, 16, [w(0, 60)])); // a number key: not the same as "7"
  op.process(element("7", 32, [w(0, 60)]));
  op.process(element("s", 64, [w(0, 60), w(30, 90)])); // sliding: one accumulator per window
  expect(out).toEqual([]);
  await op.finishBundle();
  expect(rows(out)).toEqual([
    '"7" [0,60) sum=32 n=1 @59',
    '"a" [0,60) sum=3 n=2 @59',
    '"a" [60,120) sum=8 n=1 @119',
    '"b" [0,60) sum=4 n=1 @59',
    '"s" [0,60) sum=64 n=1 @59',
    '"s" [30,90) sum=64 n=1 @89',
    "7 [0,60) sum=16 n=1 @59",
  ]);
  // The next bundle starts empty.
  out.length = 0;
  await op.startBundle();
  op.process(element("a", 100, [w(0, 60)]));
  await op.finishBundle();
  expect(rows(out)).toEqual(['"a" [0,60) sum=100 n=1 @59']);
});

test("object keys and the global window are grouped by their encoded bytes", async () => {
  const { op, out } = operator(new IntervalWindowCoder());
  await op.startBundle();
  op.process(element({ id: 1 }, 1, [new GlobalWindow()]));
  op.process(element({ id: 1 }, 2, [new GlobalWindow()]));
  op.process(element({ id: 2 }, 4, [new GlobalWindow()]));
  await op.finishBundle();
  expect(out.map((wv) => [wv.value.key, wv.value.value])).toEqual([
    [{ id: 1 }, [3, 2]],
    [{ id: 2 }, [4, 1]],
  ]);
});
