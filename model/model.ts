/**
 * The event-time vocabulary shared by the direct runner, the grouping reducer, the transcript runner and the
 * sources. Pure data: no runner, no SDK objects. Times are JavaScript numbers of milliseconds since the epoch
 * (Beam's own resolution on the TypeScript side); conversion to the SDK's Long-based values happens only at the
 * edges (DoFn parameters, coders, protos).
 */

/** Milliseconds since the epoch. */
export type Millis = number;

/** Beam's BoundedWindow.TIMESTAMP_MIN_VALUE / MAX_VALUE, in milliseconds. */
export const TIMESTAMP_MIN: Millis = -9223372036854775;
export const TIMESTAMP_MAX: Millis = 9223372036854775;
/** Beam's GlobalWindow.END_OF_GLOBAL_WINDOW: one day before TIMESTAMP_MAX. */
export const END_OF_GLOBAL_WINDOW: Millis = TIMESTAMP_MAX - 86_400_000;

/** A watermark that has reached the end of all input. */
export const WATERMARK_DONE: Millis = Number.POSITIVE_INFINITY;
/** The watermark before anything is known. */
export const WATERMARK_START: Millis = Number.NEGATIVE_INFINITY;

/**
 * A window is the half-open interval [start, end); its maxTimestamp is end - 1.
 * The global window is the interval [TIMESTAMP_MIN, END_OF_GLOBAL_WINDOW + 1), flagged `global`.
 */
export interface Window {
  readonly start: Millis;
  readonly end: Millis;
  readonly global?: true;
}

export type WindowFnSpec =
  | { readonly kind: "global" }
  | { readonly kind: "fixed"; readonly size: Millis; readonly offset: Millis }
  | { readonly kind: "sliding"; readonly size: Millis; readonly period: Millis; readonly offset: Millis }
  | { readonly kind: "sessions"; readonly gap: Millis };

/** Beam's trigger algebra (beam_runner_api.proto Trigger), as data. */
export type TriggerSpec =
  | { readonly kind: "default" }
  | { readonly kind: "never" }
  | { readonly kind: "always" }
  | { readonly kind: "afterWatermark"; readonly early?: TriggerSpec; readonly late?: TriggerSpec }
  | { readonly kind: "afterProcessingTime"; readonly delay: Millis }
  | { readonly kind: "afterSynchronizedProcessingTime" }
  | { readonly kind: "afterCount"; readonly count: number }
  | { readonly kind: "repeatedly"; readonly trigger: TriggerSpec }
  | { readonly kind: "afterEach"; readonly triggers: readonly TriggerSpec[] }
  | { readonly kind: "afterAny"; readonly triggers: readonly TriggerSpec[] }
  | { readonly kind: "afterAll"; readonly triggers: readonly TriggerSpec[] }
  | { readonly kind: "orFinally"; readonly main: TriggerSpec; readonly until: TriggerSpec };

export type AccumulationMode = "ACCUMULATING" | "DISCARDING";
export type TimestampCombiner = "END_OF_WINDOW" | "EARLIEST" | "LATEST";
/** What happens at garbage collection (ClosingBehavior) and at the end of the window (OnTimeBehavior). */
export type FiringBehavior = "FIRE_ALWAYS" | "FIRE_IF_NON_EMPTY";

/** Everything that decides when a grouped step emits what: Beam's WindowingStrategy as plain data. */
export interface WindowingSpec {
  readonly windowFn: WindowFnSpec;
  readonly trigger: TriggerSpec;
  readonly accumulation: AccumulationMode;
  readonly allowedLateness: Millis;
  readonly timestampCombiner: TimestampCombiner;
  readonly closingBehavior: FiringBehavior;
  readonly onTimeBehavior: FiringBehavior;
}

export type Timing = "EARLY" | "ON_TIME" | "LATE" | "UNKNOWN";

/** Beam's PaneInfo. nonSpeculativeIndex is -1 for EARLY panes. */
export interface Pane {
  readonly timing: Timing;
  readonly isFirst: boolean;
  readonly isLast: boolean;
  readonly index: number;
  readonly nonSpeculativeIndex: number;
}

/** The pane of elements that were never grouped (Beam's NO_FIRING / ONE_AND_ONLY_FIRING for ungrouped data). */
export const NO_FIRING: Pane = Object.freeze({
  timing: "UNKNOWN",
  isFirst: true,
  isLast: true,
  index: 0,
  nonSpeculativeIndex: 0,
});

/** An element as it flows between steps of the direct runner. One window per element after explosion. */
export interface WindowedElement<T> {
  readonly value: T;
  readonly timestamp: Millis;
  readonly windows: readonly Window[];
  readonly pane: Pane;
}

/**
 * How a grouped step combines the values of one key and window. GroupByKey is the aggregator that collects a
 * list; combinePerKey lifts the CombineFn into one.
 */
export interface Aggregator<V, A, O> {
  create(): A;
  add(accumulator: A, value: V): A;
  merge(accumulators: A[]): A;
  extract(accumulator: A): O;
}

/** One pane emitted by a grouped step. */
export interface Firing<K, O> {
  readonly key: K;
  readonly window: Window;
  readonly value: O;
  readonly timestamp: Millis;
  readonly pane: Pane;
}

/**
 * An element that arrived after its window(s) could no longer be updated (maxTimestamp + allowedLateness is
 * before the input watermark, or the window's trigger has finished). Sent to the late-data output, never lost.
 */
export interface LateElement<K, V> {
  readonly key: K;
  readonly value: V;
  readonly timestamp: Millis;
  /** The windows the element was assigned to and missed. */
  readonly windows: readonly Window[];
  /** The input watermark of the grouped step when the element arrived. */
  readonly watermark: Millis;
  /**
   * EXPIRED_WINDOW: past the allowed lateness; CLOSED_WINDOW: the trigger finished the window; CLOSED_BY_EARLIER_RUN:
   * an earlier run of the job drained at the end of its input and closed the window (it started at or before that
   * run's last event time), so its final result is written and cannot change.
   */
  readonly reason: "EXPIRED_WINDOW" | "CLOSED_WINDOW" | "CLOSED_BY_EARLIER_RUN";
}
