/**
 * What a keyed grouping reducer offers the runner's grouped step (runners/direct/operators/grouping_operator.ts) and
 * the transcript runner: elements and watermarks in, panes and late elements out through GroupingOutput, holds and
 * checkpoints. keyed_grouping.ts implements it.
 */
import type { Firing, LateElement, Millis, Window } from "../../../model/model";
import type { GroupingCheckpoint } from "./grouping_checkpoint";

export interface GroupingOutput<K, V, O> {
  firing(f: Firing<K, O>): void;
  late(l: LateElement<K, V>): void;
}

export interface KeyedGrouping<K, V, A = unknown> {
  /** Adds an element to its windows (sessions: proto-windows, merged here); may emit panes synchronously. */
  processElement(key: K, value: V, timestamp: Millis, windows: readonly Window[]): void;
  /** On-time panes, watermark-driven firings, final panes and garbage collection. Never moves backwards. */
  advanceInputWatermark(watermark: Millis): void;
  /** Fires the processing-time triggers that are due (clock strictly after their time). */
  advanceProcessingTime(now: Millis): void;
  /** Earliest output-watermark hold (WATERMARK_DONE if none); the step's output watermark = min(input, hold). */
  watermarkHold(): Millis;
  /** Earliest element timestamp whose data live state still holds (WATERMARK_DONE if none). */
  durabilityHold(): Millis;
  /**
   * The earliest processing time at which advanceProcessingTime would fire a timer (a timer at t fires once the
   * clock is after t, so this is t + 1), or undefined when no processing-time timer is pending.
   */
  nextProcessingTimeTimer(): Millis | undefined;
  /** Live (key, window) states, including closed windows kept until garbage collection. */
  liveStateCount(): number;
  /** The reducer's whole state as plain data (for the runner's checkpoints); call between elements and advances. */
  checkpoint(): GroupingCheckpoint<K, A>;
  /** Continues from a checkpoint; only on a reducer that has seen nothing yet. */
  restore(checkpoint: GroupingCheckpoint<K, A>): void;
}

/** Where a reducer starts: its input watermark and processing time, and optionally the runner's clock. */
export interface GroupingStart {
  inputWatermark?: Millis;
  processingTime?: Millis;
  /**
   * The runner's processing-time clock (virtual under TestStream). When given, a processing-time trigger that
   * starts its delay on an element reads "now" from it; without it, "now" is the last advanceProcessingTime (or
   * `processingTime`), so the runner must then call advanceProcessingTime(now) before each bundle.
   */
  clock?: () => Millis;
}
