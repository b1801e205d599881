/**
 * What a keyed grouping reducer keeps, as plain data: enough to continue after a restart exactly where it was
 * (live windows with their accumulators, holds, pane history, trigger state and pending timers). The runner's
 * checkpoints (runners/direct/checkpoint) encode it; keyed_grouping.ts produces it with takeCheckpoint and restores
 * it with restoreWindow. The format is the one checkpoints were written in before the reducer was split: do not
 * change it without a decoder for the old one (grouped_step_codec.ts).
 */
import type { Millis, Pane, Window } from "../../../model/model";
import type { TriggerState } from "../../../model/trigger_state_machine";
import type { Watermarks } from "./watermark_hold";
import type { WindowTimers } from "./window_timers";
import type { KeyState, WindowState } from "./window_state";

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

/** The reducer's state as checkpoint data: its keys' windows, in order, with their pending timers. */
export function takeCheckpoint<K, A>(keys: Iterable<KeyState<K, A>>, timers: WindowTimers<K, A>, wm: Watermarks): GroupingCheckpoint<K, A> {
  const windows: WindowCheckpoint<K, A>[] = [];
  const index = new Map<WindowState<K, A>, number>();
  for (const ks of keys) {
    for (const st of ks.states) {
      index.set(st, windows.length);
      windows.push(windowCheckpoint(st));
    }
  }
  const eventTimerOrder: number[] = [];
  for (const st of timers.eventTimerOrder()) {
    const i = index.get(st);
    if (i !== undefined) eventTimerOrder.push(i);
  }
  const processingTimers: (readonly [Millis, number])[] = [];
  for (const e of timers.pendingProcessingTimers()) {
    const i = index.get(e.item);
    if (i !== undefined) processingTimers.push([e.time, i]);
  }
  return {
    inputWatermark: wm.input,
    outputWatermark: wm.output,
    processingTime: timers.procTime,
    windows,
    eventTimerOrder,
    processingTimers,
  };
}

/** One window's state as checkpoint data. */
function windowCheckpoint<K, A>(st: WindowState<K, A>): WindowCheckpoint<K, A> {
  return {
    key: st.ks.key,
    window: st.window,
    acc: st.acc,
    nonEmpty: st.nonEmpty,
    elementHold: st.elementHold,
    extraHold: st.extraHold,
    minTs: st.minTs,
    lastPane: st.lastPane,
    closed: st.closed,
    eowTimer: st.eowTimer,
    gcTimer: st.gcTimer,
    trig: st.trig,
  };
}

/** Fills a fresh window state from its checkpoint (the reducer then queues its holds and timers). */
export function restoreWindow<K, A>(st: WindowState<K, A>, w: WindowCheckpoint<K, A>): void {
  st.acc = w.acc;
  st.nonEmpty = w.nonEmpty;
  st.elementHold = w.elementHold;
  st.extraHold = w.extraHold;
  st.minTs = w.minTs;
  st.lastPane = w.lastPane;
  st.closed = w.closed;
  st.eowTimer = w.eowTimer;
  st.gcTimer = w.gcTimer;
  st.trig = w.trig;
}
