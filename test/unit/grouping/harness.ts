/** A small harness around the keyed grouping reducer for unit tests: named keys, list/sum aggregators, captures. */
import { createKeyedGrouping, type KeyedGrouping } from "../../../runners/direct/grouping/keyed_grouping";
import type {
  Aggregator,
  Firing,
  LateElement,
  Millis,
  TriggerSpec,
  WindowFnSpec,
  WindowingSpec,
} from "../../../model/model";
import { assignWindows } from "../../../model/window_fns";

export const sec = (n: number): Millis => n * 1000;
export const minutes = (n: number): Millis => n * 60_000;
export const BEGINNING: Millis = 0;

/** Collects values into a sorted list so pane contents compare independent of arrival order. */
export const listOf: Aggregator<number, number[], number[]> = {
  create: () => [],
  add: (a, v) => {
    a.push(v);
    return a;
  },
  merge: (as) => ([] as number[]).concat(...as),
  extract: (a) => [...a].sort((x, y) => x - y),
};

export const sumOf: Aggregator<number, number, number> = {
  create: () => 0,
  add: (a, v) => a + v,
  merge: (as) => as.reduce((x, y) => x + y, 0),
  extract: (a) => a,
};

export function spec(windowFn: WindowFnSpec, overrides: Partial<WindowingSpec> = {}): WindowingSpec {
  return {
    windowFn,
    trigger: { kind: "default" } as TriggerSpec,
    accumulation: "DISCARDING",
    allowedLateness: 0,
    timestampCombiner: "END_OF_WINDOW",
    closingBehavior: "FIRE_IF_NON_EMPTY",
    onTimeBehavior: "FIRE_IF_NON_EMPTY",
    ...overrides,
  };
}

export interface Harness<O> {
  readonly grouping: KeyedGrouping<string, number>;
  readonly firings: Firing<string, O>[];
  readonly late: LateElement<string, number>[];
  /** Adds `value` at `timestamp` for `key`, assigning windows from the spec. */
  add(key: string, timestamp: Millis, value?: number): void;
  watermark(t: Millis): void;
  processingTime(t: Millis): void;
  /** Returns and forgets the firings so far, in a compact comparable shape. */
  take(): { key: string; window: [Millis, Millis]; value: O; timestamp: Millis; pane: string }[];
  takeLate(): { key: string; value: number; windows: [Millis, Millis][]; reason: string }[];
}

/** Pane as a short string: timing, then flags: F(irst) L(ast), then index/nonSpeculativeIndex. */
export function paneString(f: Firing<unknown, unknown>): string {
  const p = f.pane;
  return `${p.timing}${p.isFirst ? " first" : ""}${p.isLast ? " last" : ""} #${p.index}/${p.nonSpeculativeIndex}`;
}

export function harness<A, O>(ws: WindowingSpec, agg: Aggregator<number, A, O>): Harness<O> {
  const firings: Firing<string, O>[] = [];
  const late: LateElement<string, number>[] = [];
  const grouping = createKeyedGrouping<string, number, A, O>(ws, agg, (k) => k, {
    firing: (f) => firings.push(f),
    late: (l) => late.push(l),
  }, { processingTime: 0 });
  return {
    grouping,
    firings,
    late,
    add: (key, timestamp, value = timestamp) =>
      grouping.processElement(key, value, timestamp, assignWindows(ws.windowFn, timestamp)),
    watermark: (t) => grouping.advanceInputWatermark(t),
    processingTime: (t) => grouping.advanceProcessingTime(t),
    take: () =>
      firings.splice(0).map((f) => ({
        key: f.key,
        window: [f.window.start, f.window.end] as [Millis, Millis],
        value: f.value,
        timestamp: f.timestamp,
        pane: paneString(f),
      })),
    takeLate: () =>
      late.splice(0).map((l) => ({
        key: l.key,
        value: l.value,
        windows: l.windows.map((w) => [w.start, w.end] as [Millis, Millis]),
        reason: l.reason,
      })),
  };
}
