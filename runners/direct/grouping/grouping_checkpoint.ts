/**
 * What a keyed grouping reducer keeps, as plain data: enough to continue after a restart exactly where it was
 * (live windows with their accumulators, holds, pane history, trigger state and pending timers). The runner's
 * checkpoints (runners/direct/checkpoint) encode it; keyed_grouping.ts produces and restores it.
 */
import type { Millis, Pane, Window } from "../../../model/model";
import type { TriggerState } from "../../../model/trigger_state_machine";

/** One live (key, window) state. */
export interface WindowCheckpoint<K, A> {
  readonly key: K;
  readonly window: Window;
  readonly acc: A | undefined;
  readonly nonEmpty: boolean;
  readonly elementHold: Millis;
  readonly extraHold: Millis;
  readonly minTs: Millis;
  readonly lastPane: Pane | undefined;
  readonly closed: boolean;
  readonly eowTimer: boolean;
  readonly gcTimer: boolean;
  readonly trig: TriggerState;
}

export interface GroupingCheckpoint<K, A> {
  readonly inputWatermark: Millis;
  readonly outputWatermark: Millis;
  readonly processingTime: Millis;
  /** Live windows, key by key in the order the reducer met the keys. */
  readonly windows: readonly WindowCheckpoint<K, A>[];
  /** Indexes into `windows`, in the order their end-of-window/GC timers were queued (ties fire in this order). */
  readonly eventTimerOrder: readonly number[];
  /** Pending processing-time timers: [time, index into `windows`], in firing order. */
  readonly processingTimers: readonly (readonly [Millis, number])[];
}
