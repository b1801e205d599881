/**
 * Windowing for pipelines: window fns, durations and `windowInto`, which writes Beam's full WindowingStrategy proto
 * (window fn, trigger, allowed lateness, accumulation mode, timestamp combiner, closing and on-time behaviour,
 * merge status, window coder) on its output PCollection, so the direct runner and Flink run the same strategy.
 *
 * Durations are plain numbers of milliseconds; `seconds(5)`, `minutes(1)` and `hours(1)` say what they mean.
 *
 *   events.apply(windowInto(fixedWindows(minutes(1)), {
 *     trigger: afterWatermark({ early: afterProcessingTime(seconds(10)), late: afterCount(1) }),
 *     accumulation: "ACCUMULATING",
 *     allowedLateness: minutes(5),
 *   }))
 *
 * The window fn objects are our own, not the SDK's `apache-beam/transforms/windowings`: they produce the standard
 * window fn protos with millisecond precision (the SDK's truncate to whole seconds), and their serializable
 * `assignWindows` (which the TypeScript worker runs under Flink) assigns sliding windows to every window that
 * contains the timestamp, as the proto says (the SDK's claims `assignsToOneWindow`).
 */
import Long from "long";
import * as beam from "apache-beam";
import type { PCollection } from "apache-beam";
import { GlobalWindowCoder, IntervalWindowCoder } from "apache-beam/coders/standard_coders";
import { windowInto as sdkWindowInto, type WindowFn } from "apache-beam/transforms/window";
import { GlobalWindow, IntervalWindow, type Instant } from "apache-beam/values";
import type {
  AccumulationMode,
  FiringBehavior,
  Millis,
  TimestampCombiner,
  TriggerSpec,
  WindowFnSpec,
  WindowingSpec,
} from "../model/model";
import { windowFnSpecToProto, windowingStrategyToProto } from "../model/strategy";
import { compileTrigger } from "../model/trigger_machines";
import { checkTriggerSafety, validateWindowingSpec } from "../model/validation";
import { assignWindows, assignsToOneWindow, validateWindowFn } from "../model/window_fns";

export { millis, seconds, minutes, hours } from "../model/durations";

/** An SDK WindowFn that also carries its `WindowFnSpec` (what our runner and the proto use). */
export interface SpecWindowFn extends WindowFn<GlobalWindow | IntervalWindow> {
  readonly spec: WindowFnSpec;
}

function makeWindowFn(spec: WindowFnSpec, name: string): SpecWindowFn {
  validateWindowFn(spec);
  const isGlobal = spec.kind === "global";
  // Computed now, so the serialized window fn carries plain bytes rather than protobuf message types.
  const proto = windowFnSpecToProto(spec);
  const urn = proto.urn;
  const payload = proto.payload;
  return {
    spec,
    beamName: name,
    assignWindows: (t: Instant): (GlobalWindow | IntervalWindow)[] => {
      if (isGlobal) return [new GlobalWindow()];
      const out: (GlobalWindow | IntervalWindow)[] = [];
      for (const w of assignWindows(spec, Long.fromValue(t).toNumber())) {
        out.push(new IntervalWindow(Long.fromNumber(w.start), Long.fromNumber(w.end)));
      }
      return out;
    },
    windowCoder: () => (isGlobal ? new GlobalWindowCoder() : new IntervalWindowCoder()),
    toProto: () => ({ urn, payload }),
    isMerging: () => spec.kind === "sessions",
    assignsToOneWindow: () => assignsToOneWindow(spec),
  };
}

/** Fixed windows [offset + k·size, offset + (k+1)·size). */
export function fixedWindows(size: Millis, offset: Millis = 0): SpecWindowFn {
  return makeWindowFn({ kind: "fixed", size, offset }, offset === 0 ? `fixedWindows(${size}ms)` : `fixedWindows(${size}ms, ${offset}ms)`);
}

/** Windows of `size` starting every `period`: each element belongs to every window that contains it. */
export function slidingWindows(size: Millis, period: Millis, offset: Millis = 0): SpecWindowFn {
  return makeWindowFn(
    { kind: "sliding", size, period, offset },
    offset === 0 ? `slidingWindows(${size}ms, ${period}ms)` : `slidingWindows(${size}ms, ${period}ms, ${offset}ms)`,
  );
}

/** Per-key sessions: elements closer than `gap` to each other share a window. */
export function sessions(gap: Millis): SpecWindowFn {
  return makeWindowFn({ kind: "sessions", gap }, `sessions(${gap}ms)`);
}

export function globalWindows(): SpecWindowFn {
  return makeWindowFn({ kind: "global" }, "globalWindows()");
}

/** The window fn a spec describes (the spec as data: config, transcripts). */
export function windowFnOf(spec: WindowFnSpec): SpecWindowFn {
  switch (spec.kind) {
    case "global":
      return globalWindows();
    case "fixed":
      return fixedWindows(spec.size, spec.offset);
    case "sliding":
      return slidingWindows(spec.size, spec.period, spec.offset);
    case "sessions":
      return sessions(spec.gap);
  }
}

/** Everything about when a windowed aggregation emits, besides the window fn. All optional, with Beam's defaults. */
export interface WindowingOptions {
  /** Default: the default trigger (fires when the watermark passes the window end, then per late element). */
  readonly trigger?: TriggerSpec;
  /** Required (as in Beam Java) when the strategy can produce several panes per window. */
  readonly accumulation?: AccumulationMode;
  /** Milliseconds after the end of a window during which late data is still added. Default 0. */
  readonly allowedLateness?: Millis;
  /** Output timestamp of a pane. Default END_OF_WINDOW. */
  readonly timestampCombiner?: TimestampCombiner;
  /** Whether the final pane at garbage collection is emitted when empty. Default FIRE_IF_NON_EMPTY. */
  readonly closingBehavior?: FiringBehavior;
  /** Whether the ON_TIME pane is emitted when empty. Default FIRE_ALWAYS. */
  readonly onTimeBehavior?: FiringBehavior;
}

function canProduceMultiplePanes(trigger: TriggerSpec, allowedLateness: Millis): boolean {
  // Beam Java's Window.canProduceMultiplePanes: a non-default trigger, or late data being accepted.
  return trigger.kind !== "default" || allowedLateness > 0;
}

/**
 * The complete windowing spec for a window fn and options, checked the way Beam Java checks Window.into(...) and
 * GroupByKey (each error says what to add or change).
 */
export function windowingSpec(windowFn: SpecWindowFn | WindowFnSpec, options: WindowingOptions = {}): WindowingSpec {
  const fn: WindowFnSpec = "spec" in windowFn ? windowFn.spec : windowFn;
  const trigger = options.trigger ?? { kind: "default" };
  const allowedLateness = options.allowedLateness ?? 0;
  if (trigger.kind !== "default" && fn.kind !== "global" && options.allowedLateness === undefined) {
    throw new Error(
      "windowInto: except with globalWindows(), a trigger needs an explicit allowedLateness (the upper bound on how " +
        "late data may arrive before it goes to the late output), e.g. { allowedLateness: minutes(5) } or 0 " +
        "(Beam Java: Window.triggering() requires withAllowedLateness())",
    );
  }
  if (options.accumulation === undefined && canProduceMultiplePanes(trigger, allowedLateness)) {
    throw new Error(
      "windowInto: a trigger or an allowed lateness > 0 can emit several panes per window, so say what each pane " +
        "holds: accumulation: \"ACCUMULATING\" (everything so far) or \"DISCARDING\" (only what arrived since the " +
        "last pane) (Beam Java requires accumulatingFiredPanes()/discardingFiredPanes() here too)",
    );
  }
  const spec: WindowingSpec = {
    windowFn: fn,
    trigger,
    accumulation: options.accumulation ?? "DISCARDING",
    allowedLateness,
    timestampCombiner: options.timestampCombiner ?? "END_OF_WINDOW",
    closingBehavior: options.closingBehavior ?? "FIRE_IF_NON_EMPTY",
    onTimeBehavior: options.onTimeBehavior ?? "FIRE_ALWAYS",
  };
  validateWindowingSpec(spec);
  checkTriggerSafety(spec, (t) => compileTrigger(t).description);
  return spec;
}

/**
 * A WindowInto step: re-windows its input with `windowFn` and gives the output PCollection the full windowing
 * strategy. Throws at pipeline construction for strategies Beam Java rejects (see windowingSpec).
 */
export function windowInto<T>(
  windowFn: SpecWindowFn,
  options: WindowingOptions = {},
): (input: PCollection<T>) => PCollection<T> {
  const spec = windowingSpec(windowFn, options);
  const name = `WindowInto(${windowFn.beamName ?? windowFn.spec.kind})`;
  return beam.withName(name, (input: PCollection<T>): PCollection<T> => {
    const base = windowingStrategyToProto(spec, { environmentId: input.pipeline.defaultEnvironment });
    return input.apply(beam.withName("AssignWindows", sdkWindowInto<T, GlobalWindow | IntervalWindow>(windowFn, base)));
  });
}
