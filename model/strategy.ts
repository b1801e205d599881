/**
 * Beam's WindowingStrategy proto ⇄ our `WindowingSpec`. The executor reads the proto the SDK built; the builders in
 * transforms/windowing.ts write it. What one writes, the other reads back identically (round trip tested).
 *
 * Proto defaults when a field is UNSPECIFIED follow Beam Java: accumulation DISCARDING, output time END_OF_WINDOW,
 * closing behavior FIRE_IF_NON_EMPTY, on-time behavior FIRE_ALWAYS. Durations are whole milliseconds (sub-millisecond
 * nanos are truncated, as Java's Duration does).
 */
import * as runnerApi from "apache-beam/proto/beam_runner_api";
import {
  FixedWindowsPayload,
  SessionWindowsPayload,
  SlidingWindowsPayload,
} from "apache-beam/proto/standard_window_fns";
import type { TriggerSpec, WindowFnSpec, WindowingSpec } from "./model";

export const GLOBAL_WINDOWS_URN = "beam:window_fn:global_windows:v1";
export const FIXED_WINDOWS_URN = "beam:window_fn:fixed_windows:v1";
export const SLIDING_WINDOWS_URN = "beam:window_fn:sliding_windows:v1";
export const SESSION_WINDOWS_URN = "beam:window_fn:session_windows:v1";

interface SecondsNanos {
  seconds: bigint;
  nanos: number;
}

function toMillis(d: SecondsNanos | undefined): number {
  if (d === undefined) return 0;
  return Number(d.seconds) * 1000 + Math.trunc(d.nanos / 1_000_000);
}

function fromMillis(ms: number): SecondsNanos {
  const seconds = Math.floor(ms / 1000);
  return { seconds: BigInt(seconds), nanos: (ms - seconds * 1000) * 1_000_000 };
}

/** The window fn of a `FunctionSpec` with one of Beam's standard window fn URNs. */
export function windowFnSpecFromProto(fn: runnerApi.FunctionSpec | undefined): WindowFnSpec {
  if (fn === undefined) return { kind: "global" };
  switch (fn.urn) {
    case GLOBAL_WINDOWS_URN:
      return { kind: "global" };
    case FIXED_WINDOWS_URN: {
      const p = FixedWindowsPayload.fromBinary(fn.payload);
      return { kind: "fixed", size: toMillis(p.size), offset: toMillis(p.offset) };
    }
    case SLIDING_WINDOWS_URN: {
      const p = SlidingWindowsPayload.fromBinary(fn.payload);
      return { kind: "sliding", size: toMillis(p.size), period: toMillis(p.period), offset: toMillis(p.offset) };
    }
    case SESSION_WINDOWS_URN: {
      const p = SessionWindowsPayload.fromBinary(fn.payload);
      return { kind: "sessions", gap: toMillis(p.gapSize) };
    }
    default:
      throw new Error(
        `unsupported window fn '${fn.urn}': the direct runner knows ${GLOBAL_WINDOWS_URN}, ${FIXED_WINDOWS_URN}, ` +
          `${SLIDING_WINDOWS_URN} and ${SESSION_WINDOWS_URN}; use fixedWindows/slidingWindows/sessions/globalWindows ` +
          `from transforms/windowing.ts`,
      );
  }
}

/** The standard window fn `FunctionSpec` for a window fn. */
export function windowFnSpecToProto(spec: WindowFnSpec): runnerApi.FunctionSpec {
  switch (spec.kind) {
    case "global":
      return { urn: GLOBAL_WINDOWS_URN, payload: new Uint8Array() };
    case "fixed":
      return {
        urn: FIXED_WINDOWS_URN,
        payload: FixedWindowsPayload.toBinary({ size: fromMillis(spec.size), offset: fromMillis(spec.offset) }),
      };
    case "sliding":
      return {
        urn: SLIDING_WINDOWS_URN,
        payload: SlidingWindowsPayload.toBinary({
          size: fromMillis(spec.size),
          period: fromMillis(spec.period),
          offset: fromMillis(spec.offset),
        }),
      };
    case "sessions":
      return { urn: SESSION_WINDOWS_URN, payload: SessionWindowsPayload.toBinary({ gapSize: fromMillis(spec.gap) }) };
  }
}

function requireSub(t: runnerApi.Trigger | undefined, what: string): TriggerSpec {
  if (t === undefined) throw new Error(`malformed Trigger proto: ${what} is missing`);
  return triggerSpecFromProto(t);
}

export function triggerSpecFromProto(t: runnerApi.Trigger | undefined): TriggerSpec {
  if (t === undefined) return { kind: "default" };
  const k = t.trigger;
  switch (k.oneofKind) {
    case undefined:
    case "default":
      return { kind: "default" };
    case "never":
      return { kind: "never" };
    case "always":
      return { kind: "always" };
    case "afterAll":
      return { kind: "afterAll", triggers: k.afterAll.subtriggers.map(triggerSpecFromProto) };
    case "afterAny":
      return { kind: "afterAny", triggers: k.afterAny.subtriggers.map(triggerSpecFromProto) };
    case "afterEach":
      return { kind: "afterEach", triggers: k.afterEach.subtriggers.map(triggerSpecFromProto) };
    case "afterEndOfWindow": {
      const early = k.afterEndOfWindow.earlyFirings;
      const late = k.afterEndOfWindow.lateFirings;
      return {
        kind: "afterWatermark",
        ...(early === undefined ? {} : { early: triggerSpecFromProto(early) }),
        ...(late === undefined ? {} : { late: triggerSpecFromProto(late) }),
      };
    }
    case "afterProcessingTime": {
      let delay = 0;
      for (const tt of k.afterProcessingTime.timestampTransforms) {
        if (tt.timestampTransform.oneofKind === "delay") {
          delay += Number(tt.timestampTransform.delay.delayMillis);
        } else {
          throw new Error(
            `AfterProcessingTime with timestamp transform '${String(tt.timestampTransform.oneofKind)}' is not ` +
              `supported by the direct runner (only delays); use afterProcessingTime(delay)`,
          );
        }
      }
      return { kind: "afterProcessingTime", delay };
    }
    case "afterSynchronizedProcessingTime":
      return { kind: "afterSynchronizedProcessingTime" };
    case "elementCount":
      return { kind: "afterCount", count: k.elementCount.elementCount };
    case "orFinally":
      return {
        kind: "orFinally",
        main: requireSub(k.orFinally.main, "OrFinally.main"),
        until: requireSub(k.orFinally.finally, "OrFinally.finally"),
      };
    case "repeat":
      return { kind: "repeatedly", trigger: requireSub(k.repeat.subtrigger, "Repeat.subtrigger") };
  }
}

export function triggerSpecToProto(t: TriggerSpec): runnerApi.Trigger {
  switch (t.kind) {
    case "default":
      return { trigger: { oneofKind: "default", default: {} } };
    case "never":
      return { trigger: { oneofKind: "never", never: {} } };
    case "always":
      return { trigger: { oneofKind: "always", always: {} } };
    case "afterAll":
      return { trigger: { oneofKind: "afterAll", afterAll: { subtriggers: t.triggers.map(triggerSpecToProto) } } };
    case "afterAny":
      return { trigger: { oneofKind: "afterAny", afterAny: { subtriggers: t.triggers.map(triggerSpecToProto) } } };
    case "afterEach":
      return { trigger: { oneofKind: "afterEach", afterEach: { subtriggers: t.triggers.map(triggerSpecToProto) } } };
    case "afterWatermark": {
      const afterEndOfWindow: runnerApi.Trigger_AfterEndOfWindow = {};
      if (t.early !== undefined) afterEndOfWindow.earlyFirings = triggerSpecToProto(t.early);
      if (t.late !== undefined) afterEndOfWindow.lateFirings = triggerSpecToProto(t.late);
      return { trigger: { oneofKind: "afterEndOfWindow", afterEndOfWindow } };
    }
    case "afterProcessingTime":
      return {
        trigger: {
          oneofKind: "afterProcessingTime",
          afterProcessingTime: {
            timestampTransforms:
              t.delay === 0
                ? []
                : [{ timestampTransform: { oneofKind: "delay", delay: { delayMillis: BigInt(t.delay) } } }],
          },
        },
      };
    case "afterSynchronizedProcessingTime":
      return { trigger: { oneofKind: "afterSynchronizedProcessingTime", afterSynchronizedProcessingTime: {} } };
    case "afterCount":
      return { trigger: { oneofKind: "elementCount", elementCount: { elementCount: t.count } } };
    case "repeatedly":
      return { trigger: { oneofKind: "repeat", repeat: { subtrigger: triggerSpecToProto(t.trigger) } } };
    case "orFinally":
      return {
        trigger: {
          oneofKind: "orFinally",
          orFinally: { main: triggerSpecToProto(t.main), finally: triggerSpecToProto(t.until) },
        },
      };
  }
}

/** Reads the windowing strategy of a PCollection (the executor's entry point). */
export function windowingSpecFromProto(ws: runnerApi.WindowingStrategy): WindowingSpec {
  const A = runnerApi.AccumulationMode_Enum;
  const T = runnerApi.OutputTime_Enum;
  const C = runnerApi.ClosingBehavior_Enum;
  const O = runnerApi.OnTimeBehavior_Enum;
  if (ws.accumulationMode === A.RETRACTING) {
    throw new Error("accumulation mode RETRACTING is not supported (Beam has no runner for it); use ACCUMULATING or DISCARDING");
  }
  return {
    windowFn: windowFnSpecFromProto(ws.windowFn),
    trigger: triggerSpecFromProto(ws.trigger),
    accumulation: ws.accumulationMode === A.ACCUMULATING ? "ACCUMULATING" : "DISCARDING",
    allowedLateness: Number(ws.allowedLateness),
    timestampCombiner:
      ws.outputTime === T.EARLIEST_IN_PANE ? "EARLIEST" : ws.outputTime === T.LATEST_IN_PANE ? "LATEST" : "END_OF_WINDOW",
    closingBehavior: ws.closingBehavior === C.EMIT_ALWAYS ? "FIRE_ALWAYS" : "FIRE_IF_NON_EMPTY",
    onTimeBehavior: ws.onTimeBehavior === O.FIRE_IF_NONEMPTY ? "FIRE_IF_NON_EMPTY" : "FIRE_ALWAYS",
  };
}

/**
 * Writes a complete WindowingStrategy proto for a spec. `windowCoderId` and `environmentId` come from the pipeline
 * (the SDK's windowInto fills both in when it clones this as its base strategy).
 */
export function windowingStrategyToProto(
  spec: WindowingSpec,
  ids: { windowCoderId?: string; environmentId?: string } = {},
): runnerApi.WindowingStrategy {
  const A = runnerApi.AccumulationMode_Enum;
  const T = runnerApi.OutputTime_Enum;
  const C = runnerApi.ClosingBehavior_Enum;
  const O = runnerApi.OnTimeBehavior_Enum;
  const merging = spec.windowFn.kind === "sessions";
  return runnerApi.WindowingStrategy.create({
    windowFn: windowFnSpecToProto(spec.windowFn),
    mergeStatus: merging ? runnerApi.MergeStatus_Enum.NEEDS_MERGE : runnerApi.MergeStatus_Enum.NON_MERGING,
    windowCoderId: ids.windowCoderId ?? "",
    trigger: triggerSpecToProto(spec.trigger),
    accumulationMode: spec.accumulation === "ACCUMULATING" ? A.ACCUMULATING : A.DISCARDING,
    outputTime:
      spec.timestampCombiner === "EARLIEST"
        ? T.EARLIEST_IN_PANE
        : spec.timestampCombiner === "LATEST"
          ? T.LATEST_IN_PANE
          : T.END_OF_WINDOW,
    closingBehavior: spec.closingBehavior === "FIRE_ALWAYS" ? C.EMIT_ALWAYS : C.EMIT_IF_NONEMPTY,
    onTimeBehavior: spec.onTimeBehavior === "FIRE_ALWAYS" ? O.FIRE_ALWAYS : O.FIRE_IF_NONEMPTY,
    allowedLateness: BigInt(spec.allowedLateness),
    assignsToOneWindow: spec.windowFn.kind !== "sliding" || spec.windowFn.period >= spec.windowFn.size,
    environmentId: ids.environmentId ?? "",
  });
}
