/**
 * The windowing builders: what `windowInto` writes into the pipeline proto is exactly what the direct runner reads
 * back (`windowingSpecFromProto`), window fns assign windows correctly after serialization, and strategies Beam
 * Java rejects are rejected at construction with the reason.
 */
import * as beam from "apache-beam";
import { Pipeline } from "apache-beam/internal/pipeline";
import { deserializeFn, serializeFn } from "apache-beam/internal/serialize";
import * as runnerApi from "apache-beam/proto/beam_runner_api";
import Long from "long";
import type { WindowingSpec } from "../../model/model";
import { windowingSpecFromProto } from "../../model/strategy";
import { afterAny, afterCount, afterProcessingTime, afterWatermark, never, orFinally, repeatedly } from "../../transforms/triggers";
import {
  fixedWindows,
  globalWindows,
  minutes,
  seconds,
  sessions,
  slidingWindows,
  windowInto,
  windowingSpec,
  type SpecWindowFn,
  type WindowingOptions,
} from "../../transforms/windowing";

/** Builds create → windowInto and returns the windowing strategy proto of the windowed PCollection. */
function strategyWrittenBy(windowFn: SpecWindowFn, options: WindowingOptions): runnerApi.WindowingStrategy {
  const pipeline = new Pipeline();
  const root = new beam.Root(pipeline);
  const out = root.apply(beam.create([1, 2, 3])).apply(windowInto<number>(windowFn, options));
  const proto = pipeline.getProto();
  const pc = proto.components!.pcollections[out.getId()];
  return proto.components!.windowingStrategies[pc.windowingStrategyId];
}

describe("windowInto writes the full WindowingStrategy and the runner reads it back identically", () => {
  const cases: [string, SpecWindowFn, WindowingOptions][] = [
    ["fixed windows with the default trigger", fixedWindows(minutes(1)), {}],
    ["fixed windows with an offset", fixedWindows(minutes(1), seconds(15)), {}],
    ["sub-second sizes", fixedWindows(1500), {}],
    [
      "sliding windows, early and late firings, accumulating, lateness, earliest timestamps",
      slidingWindows(minutes(1), seconds(10)),
      {
        trigger: afterWatermark({ early: afterProcessingTime(seconds(5)), late: afterCount(1) }),
        accumulation: "ACCUMULATING",
        allowedLateness: minutes(5),
        timestampCombiner: "EARLIEST",
        closingBehavior: "FIRE_ALWAYS",
        onTimeBehavior: "FIRE_IF_NON_EMPTY",
      },
    ],
    [
      "sessions with a repeated count trigger that ends at the watermark, latest timestamps",
      sessions(seconds(30)),
      {
        trigger: repeatedly(afterAny(afterCount(10), afterProcessingTime(seconds(1)))),
        accumulation: "DISCARDING",
        allowedLateness: 0,
        timestampCombiner: "LATEST",
      },
    ],
    ["global windows with a never trigger", globalWindows(), { trigger: never(), accumulation: "DISCARDING" }],
  ];

  test.each(cases)("%s", (_name, windowFn, options) => {
    const expected: WindowingSpec = windowingSpec(windowFn, options);
    const ws = strategyWrittenBy(windowFn, options);
    expect(windowingSpecFromProto(ws)).toEqual(expected);
    expect(ws.mergeStatus).toBe(
      windowFn.spec.kind === "sessions" ? runnerApi.MergeStatus_Enum.NEEDS_MERGE : runnerApi.MergeStatus_Enum.NON_MERGING,
    );
    expect(ws.assignsToOneWindow).toBe(windowFn.spec.kind !== "sliding");
    expect(ws.windowCoderId).not.toBe("");
    expect(ws.environmentId).not.toBe("");
  });

  test("defaults are Beam Java's: discarding, end of window, fire-if-non-empty closing, fire-always on time", () => {
    const ws = strategyWrittenBy(fixedWindows(minutes(1)), {});
    expect(ws.accumulationMode).toBe(runnerApi.AccumulationMode_Enum.DISCARDING);
    expect(ws.outputTime).toBe(runnerApi.OutputTime_Enum.END_OF_WINDOW);
    expect(ws.closingBehavior).toBe(runnerApi.ClosingBehavior_Enum.EMIT_IF_NONEMPTY);
    expect(ws.onTimeBehavior).toBe(runnerApi.OnTimeBehavior_Enum.FIRE_ALWAYS);
    expect(ws.allowedLateness).toBe(0n);
    expect(ws.trigger?.trigger.oneofKind).toBe("default");
  });

  test("the trigger proto has Beam's shape (AfterEndOfWindow with early and late firings)", () => {
    const ws = strategyWrittenBy(fixedWindows(minutes(1)), {
      trigger: afterWatermark({ early: afterCount(2), late: afterCount(3) }),
      accumulation: "ACCUMULATING",
      allowedLateness: minutes(1),
    });
    expect(ws.trigger).toEqual({
      trigger: {
        oneofKind: "afterEndOfWindow",
        afterEndOfWindow: {
          earlyFirings: { trigger: { oneofKind: "elementCount", elementCount: { elementCount: 2 } } },
          lateFirings: { trigger: { oneofKind: "elementCount", elementCount: { elementCount: 3 } } },
        },
      },
    });
    expect(ws.allowedLateness).toBe(60_000n);
  });
});

describe("window fns survive serialization (the TypeScript worker runs them under Flink)", () => {
  const roundTrip = (fn: SpecWindowFn): SpecWindowFn => deserializeFn(serializeFn({ fn })).fn as SpecWindowFn;
  const intervals = (ws: unknown[]): [number, number][] =>
    ws.map((w) => {
      const iw = w as { start: Long; end: Long };
      return [iw.start.toNumber(), iw.end.toNumber()];
    });

  test("sliding windows assign every window containing the timestamp", () => {
    const fn = roundTrip(slidingWindows(seconds(30), seconds(10)));
    expect(intervals(fn.assignWindows(Long.fromNumber(25_000)))).toEqual([
      [0, 30_000],
      [10_000, 40_000],
      [20_000, 50_000],
    ]);
    expect(fn.assignsToOneWindow()).toBe(false);
  });

  test("fixed windows with offset, sessions and the global window", () => {
    expect(intervals(roundTrip(fixedWindows(seconds(10), seconds(3))).assignWindows(Long.fromNumber(2_000)))).toEqual([
      [-7_000, 3_000],
    ]);
    expect(intervals(roundTrip(sessions(seconds(5))).assignWindows(Long.fromNumber(42)))).toEqual([[42, 5_042]]);
    const g = roundTrip(globalWindows());
    expect(g.assignWindows(Long.fromNumber(7)).map((w) => w.constructor.name)).toEqual(["GlobalWindow"]);
    expect(roundTrip(slidingWindows(seconds(30), seconds(10))).toProto().urn).toBe("beam:window_fn:sliding_windows:v1");
  });
});

describe("configurations Beam Java rejects are rejected at construction, saying why", () => {
  test("a trigger that finishes before garbage collection (bare afterCount) is unsafe", () => {
    expect(() =>
      windowInto(fixedWindows(minutes(1)), { trigger: afterCount(10), accumulation: "DISCARDING", allowedLateness: 0 }),
    ).toThrow(/Unsafe trigger 'AfterPane.elementCountAtLeast\(10\)' may lose data.*repeatedly/);
  });

  test("afterProcessingTime not wrapped in repeatedly, under global windows, is unsafe", () => {
    expect(() => windowInto(globalWindows(), { trigger: afterProcessingTime(seconds(1)), accumulation: "DISCARDING" })).toThrow(
      /Unsafe trigger/,
    );
  });

  test("afterWatermark() that finishes at the end of the window is unsafe once lateness is allowed", () => {
    expect(() =>
      windowInto(fixedWindows(minutes(1)), { trigger: afterWatermark(), accumulation: "DISCARDING", allowedLateness: minutes(1) }),
    ).toThrow(/Unsafe trigger 'AfterWatermark.pastEndOfWindow\(\)'/);
    expect(() =>
      windowInto(fixedWindows(minutes(1)), { trigger: afterWatermark(), accumulation: "DISCARDING", allowedLateness: 0 }),
    ).not.toThrow();
  });

  test("orFinally closes its windows early and is unsafe; never() and late firings are safe", () => {
    expect(() =>
      windowInto(fixedWindows(minutes(1)), {
        trigger: orFinally(repeatedly(afterCount(2)), afterWatermark()),
        accumulation: "DISCARDING",
        allowedLateness: 0,
      }),
    ).toThrow(/Unsafe trigger/);
    expect(() =>
      windowInto(fixedWindows(minutes(1)), {
        trigger: afterWatermark({ late: afterCount(1) }),
        accumulation: "DISCARDING",
        allowedLateness: minutes(10),
      }),
    ).not.toThrow();
    expect(() => windowInto(fixedWindows(minutes(1)), { trigger: never(), accumulation: "DISCARDING", allowedLateness: 0 })).not.toThrow();
  });

  test("a trigger without an allowed lateness (except in global windows)", () => {
    expect(() => windowInto(fixedWindows(minutes(1)), { trigger: repeatedly(afterCount(2)), accumulation: "DISCARDING" })).toThrow(
      /needs an explicit allowedLateness/,
    );
  });

  test("several panes per window without an accumulation mode", () => {
    expect(() => windowInto(fixedWindows(minutes(1)), { allowedLateness: minutes(1) })).toThrow(/ACCUMULATING.*DISCARDING/);
  });

  test("malformed window fns and lateness", () => {
    expect(() => fixedWindows(0)).toThrow(/size must be a positive whole number of milliseconds, got 0/);
    expect(() => slidingWindows(minutes(1), -5)).toThrow(/period must be a positive/);
    expect(() => sessions(1.5)).toThrow(/gap must be a positive whole number/);
    expect(() => windowInto(fixedWindows(minutes(1)), { allowedLateness: -1, accumulation: "DISCARDING" })).toThrow(
      /allowed lateness must be whole milliseconds ≥ 0, got -1/,
    );
  });
});
