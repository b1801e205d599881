/**
 * The keyed grouping reducer: Beam Java's ReduceFnRunner as a pure object driven by method calls. The executor feeds
 * it elements and watermarks; it emits panes and late elements synchronously. It orchestrates named collaborators:
 * window_state.ts (what each (key, window) keeps, field by field), window_timers.ts (TimerInternals and the trigger
 * context), watermark_hold.ts (WatermarkHold), active_window_set.ts + session_merging.ts (MergingActiveWindowSet),
 * panes.ts (PaneInfoTracker), lateness.ts (every lateness rule, by name) and the trigger state machine. All timers of
 * one window due in one advance make one activation of that window, judged by the current watermarks (onTimers).
 *
 * Late data: an element's window is droppable when the input watermark passed its cleanup time (isWindowLate, on the
 * assigned windows before merging, as Beam's LateDataDroppingDoFnRunner). An element with several windows (sliding)
 * goes into every live window; the windows it missed are reported on the late output, one LateElement per reason
 * (EXPIRED_WINDOW, CLOSED_WINDOW) listing only the missed windows: exactly the (element, window) pairs Beam's
 * droppedDueToLateness / droppedDueToClosedWindow counters count.
 */
import {
  WATERMARK_START,
  type Aggregator,
  type LateElement,
  type Millis,
  type Window,
  type WindowingSpec,
} from "../../../model/model";
import { compileTrigger } from "../../../model/trigger_machines";
import type { TriggerState, TriggerStateMachine } from "../../../model/trigger_state_machine";
import { validateWindowingSpec } from "../../../model/validation";
import { isMerging } from "../../../model/window_fns";
import { MergingActiveWindowSet, type MergeHost } from "./active_window_set";
import { restoreWindow, takeCheckpoint, type GroupingCheckpoint } from "./grouping_checkpoint";
import type { GroupingOutput, GroupingStart, KeyedGrouping } from "./grouping_contract";
import { isExpired, isPastEndOfWindow, isWindowLate } from "./lateness";
import { LiveEntryHeap } from "./live_entry_heap";
import { nextPane } from "./panes";
import { WatermarkHold, Watermarks } from "./watermark_hold";
import { WindowTimers } from "./window_timers";
import { DURABILITY_LANE, KeyState, WindowState } from "./window_state";

export type { GroupingOutput, GroupingStart, KeyedGrouping } from "./grouping_contract";

class Reducer<K, V, A, O> implements KeyedGrouping<K, V, A>, MergeHost<K, A> {
  /** Live keys by identity; a key goes with its last window. */
  private readonly keys = new Map<string, KeyState<K, A>>();
  private readonly wm: Watermarks;
  private readonly timers: WindowTimers<K, A>;
  private readonly holds: WatermarkHold;
  /** Each window's earliest buffered timestamp (durabilityHold). */
  private readonly durability = new LiveEntryHeap<WindowState<K, A>>(DURABILITY_LANE);
  /** Sessions: the key's active windows merge (undefined for non-merging window fns). */
  private readonly sessions: MergingActiveWindowSet<K, A> | undefined;
  private live = 0;
  /** The previous element's windows list (any key): tells whether the caller shares lists (KeyState.lastWindows). */
  private previousWindows: readonly Window[] | undefined = undefined;
  private readonly lateness: Millis;
  private readonly discarding: boolean;
  private readonly closingAlways: boolean;
  private readonly onTimeAlways: boolean;
  private readonly trigger: TriggerStateMachine;
  /** The default trigger runs inlined in addElement (the one fast path). */
  private readonly defaultTrigger: boolean;

  constructor(
    spec: WindowingSpec,
    private readonly agg: Aggregator<V, A, O>,
    private readonly keyId: (key: K) => string,
    private readonly output: GroupingOutput<K, V, O>,
    initial: GroupingStart | undefined,
  ) {
    validateWindowingSpec(spec);
    const merging = isMerging(spec.windowFn);
    this.sessions = merging ? new MergingActiveWindowSet<K, A>(agg, this) : undefined;
    const inputWm = initial?.inputWatermark ?? WATERMARK_START;
    this.wm = new Watermarks(inputWm, inputWm);
    const procTime = initial?.processingTime ?? initial?.clock?.() ?? WATERMARK_START;
    this.timers = new WindowTimers<K, A>(this.wm, merging, procTime, initial?.clock, () => this.live);
    this.holds = new WatermarkHold(spec, this.wm);
    this.lateness = spec.allowedLateness;
    this.discarding = spec.accumulation === "DISCARDING";
    this.closingAlways = spec.closingBehavior === "FIRE_ALWAYS";
    this.onTimeAlways = spec.onTimeBehavior === "FIRE_ALWAYS";
    this.trigger = compileTrigger(spec.trigger);
    this.defaultTrigger = spec.trigger.kind === "default";
  }

  // ---- elements ----

  processElement(key: K, value: V, timestamp: Millis, windows: readonly Window[]): void {
    const releases = this.holds.releases;
    let ks = this.keys.get(this.keyId(key));
    let expired: Window[] | undefined;
    let closed: Window[] | undefined;
    // Windows are independent (sessions: one proto-window), so firing each right after adding equals Beam's
    // add-all-then-fire.
    if (ks !== undefined && (ks.lastWindows === windows || (ks.otherWindows === windows && ks.swapLists()))) {
      // The key's previous element (or the one before its last change of list) had this very list and none of the
      // key's states left since: same states.
      const states = ks.lastStates;
      for (let i = 0; i < windows.length; i++) {
        const st = states[i];
        if (st === undefined) (expired ??= []).push(windows[i]);
        else if (st.closed) (closed ??= []).push(st.window);
        else this.addElement(st, value, timestamp);
      }
    } else {
      const sessions = this.sessions;
      // The key's current list, if kept, becomes its other one (data near a slot edge alternates between two).
      if (ks !== undefined && ks.lastWindows !== undefined) ks.swapLists();
      let firstLive = -1;
      for (let i = 0; i < windows.length; i++) {
        const w = windows[i];
        if (isWindowLate(w, this.lateness, this.wm.input)) {
          (expired ??= []).push(w);
          if (ks !== undefined) ks.lastStates[i] = undefined;
          continue;
        }
        ks ??= this.newKeyState(key);
        if (firstLive < 0) firstLive = i;
        let st: WindowState<K, A>;
        if (sessions !== undefined) st = sessions.mergeInto(ks, w);
        else ks.lastStates[i] = st = ks.find(w, i) ?? this.newWindow(ks, w, i);
        if (st.closed) (closed ??= []).push(st.window);
        else this.addElement(st, value, timestamp);
      }
      if (ks !== undefined && sessions === undefined) {
        for (let i = 0; i < firstLive; i++) ks.lastStates[i] = undefined;
        // Setting an array's length is a runtime call: only when the number of windows changed.
        if (ks.lastStates.length !== windows.length) ks.lastStates.length = windows.length;
        // Kept only when lists are shared (this one came right before): a fresh list per element kept until the
        // key's next element would outlive the young generation, for nothing.
        ks.lastWindows = windows === this.previousWindows ? windows : undefined;
      }
      this.previousWindows = windows;
    }
    if (expired !== undefined) this.emitLate(key, value, timestamp, expired, "EXPIRED_WINDOW");
    if (closed !== undefined) this.emitLate(key, value, timestamp, closed, "CLOSED_WINDOW");
    // Only a released hold can let the output watermark advance here (the input watermark did not move).
    if (this.holds.releases !== releases) this.updateOutputWatermark();
  }

  private emitLate(key: K, value: V, timestamp: Millis, windows: readonly Window[], reason: LateElement<K, V>["reason"]): void {
    this.output.late({ key, value, timestamp, windows, watermark: this.wm.input, reason });
  }

  private keyState(key: K): KeyState<K, A> {
    return this.keys.get(this.keyId(key)) ?? this.newKeyState(key);
  }

  private newKeyState(key: K): KeyState<K, A> {
    const id = this.keyId(key);
    const created = new KeyState<K, A>(key, id);
    this.keys.set(id, created);
    return created;
  }

  newState(ks: KeyState<K, A>, w: Window): WindowState<K, A> {
    const st = new WindowState<K, A>(ks, w, this.lateness, this.trigger.newState());
    ks.states.push(st);
    this.live++;
    return st;
  }

  private newWindow(ks: KeyState<K, A>, w: Window, position: number): WindowState<K, A> {
    const st = this.newState(ks, w);
    ks.added(st, position);
    return st;
  }

  newTriggerState(): TriggerState {
    return this.trigger.newState();
  }

  /** ReduceFnRunner.processElement for one (element, window): buffer, hold, trigger; then fire if it says so. */
  private addElement(st: WindowState<K, A>, value: V, timestamp: Millis): void {
    const agg = this.agg;
    st.acc = agg.add(st.acc === undefined ? agg.create() : st.acc, value);
    st.nonEmpty = true;
    if (timestamp < st.minTs) {
      st.minTs = timestamp;
      this.durability.set(st, timestamp);
    }
    this.holds.addHolds(st, timestamp);
    if (this.defaultTrigger) {
      // The default trigger inlined (same effects as onElement + shouldFire): it never closes a window, sets the
      // end-of-window timer on each element, and is ready to fire once the watermark passed the end of the window.
      const late = isPastEndOfWindow(st.maxTs, this.wm.input);
      if (!st.gcTimer || !(st.eowTimer || late)) {
        st.gcTimer = true;
        if (!late) st.eowTimer = true;
        this.timers.schedule(st);
      }
      if (late) this.emit(st);
    } else {
      this.runTrigger(st);
    }
  }

  /** addElement's trigger part for any trigger but the default one: onElement, then fire if it says so. */
  private runTrigger(st: WindowState<K, A>): void {
    // The GC timer is flagged first and queued once after the trigger set its own (usually earlier) timer: one
    // queue entry per window instead of two. The order timers are set in has no effect on when they fire.
    const fresh = !st.gcTimer;
    st.gcTimer = true;
    this.trigger.onElement(st.trig, this.timers.for(st));
    if (fresh) this.timers.schedule(st);
    if (this.trigger.shouldFire(st.trig, this.timers.for(st))) this.emit(st);
  }

  private clearBuffered(st: WindowState<K, A>): void {
    st.acc = undefined;
    st.minTs = Infinity;
    this.durability.set(st, Infinity);
  }

  watermarkHold(): Millis {
    return this.holds.earliest();
  }

  durabilityHold(): Millis {
    return this.durability.earliest();
  }

  private updateOutputWatermark(): void {
    const hold = this.holds.earliest();
    const candidate = hold < this.wm.input ? hold : this.wm.input;
    if (candidate > this.wm.output) this.wm.output = candidate;
  }

  // ---- firing ----

  /** ReduceFnRunner.emit: the trigger said fire. */
  private emit(st: WindowState<K, A>): void {
    this.trigger.onFire(st.trig, this.timers.for(st));
    const isFinished = this.trigger.isFinished(st.trig);
    this.onTrigger(st, isFinished);
    st.nonEmpty = false;
    if (isFinished || this.discarding) this.clearBuffered(st);
    if (isFinished) {
      st.closed = true;
      st.lastPane = undefined;
    }
  }

  /** ReduceFnRunner.onTrigger: extract and release the hold, compute the pane, emit if Beam would. */
  private onTrigger(st: WindowState<K, A>, isFinished: boolean): void {
    const ts = this.holds.extractAndRelease(st, isFinished);
    const isEmpty = !st.nonEmpty;
    if (isEmpty && !this.closingAlways && !this.onTimeAlways) return;
    const pane = nextPane(st.lastPane, isFinished, st.maxTs, this.wm.input, this.wm.output);
    if (!isEmpty || (pane.timing === "ON_TIME" && this.onTimeAlways) || (isFinished && this.closingAlways)) {
      if (!isFinished) st.lastPane = pane;
      const agg = this.agg;
      const value = agg.extract(st.acc === undefined ? agg.create() : st.acc);
      this.output.firing({ key: st.ks.key, window: st.window, value, timestamp: ts, pane });
    }
  }

  // ---- timers ----

  advanceInputWatermark(watermark: Millis): void {
    if (watermark < this.wm.input) {
      throw new Error(
        `input watermark moved backwards from ${this.wm.input} to ${watermark}: watermarks are monotonic; ` +
          `pass the minimum of the inputs' watermarks and never lower it`,
      );
    }
    if (watermark === this.wm.input) return;
    this.wm.input = watermark;
    const due = this.timers.dueEventTimers(watermark);
    for (let i = 0; i < due.length; i++) {
      const st = due[i];
      if (st.dead) continue;
      this.activate(st);
      if (!st.dead) this.timers.schedule(st);
    }
    this.updateOutputWatermark();
  }

  advanceProcessingTime(now: Millis): void {
    if (!(now > this.timers.procTime)) return;
    this.timers.procTime = now;
    const due = this.timers.dueProcessingTimers(now);
    for (let i = 0; i < due.length; i++) {
      const st = due[i];
      // Processing-time timers of expired windows are ignored; garbage collection happens on event time.
      if (st.dead || isExpired(st.gcTime, this.wm.input)) continue;
      this.activate(st);
    }
    this.updateOutputWatermark();
  }

  nextProcessingTimeTimer(): Millis | undefined {
    return this.timers.nextProcessingTimeTimer();
  }

  /** ReduceFnRunner.onTimers for one window, judged by the current watermarks. */
  private activate(st: WindowState<K, A>): void {
    const isEndOfWindow = isPastEndOfWindow(st.maxTs, this.wm.input) && !isPastEndOfWindow(st.maxTs, this.wm.output);
    if (isExpired(st.gcTime, this.wm.input)) {
      if (!st.closed) this.onTrigger(st, true);
      this.removeState(st);
      if (st.ks.states.length === 0) this.keys.delete(st.ks.keyId);
      return;
    }
    if (!st.closed && this.trigger.shouldFire(st.trig, this.timers.for(st))) this.emit(st);
    if (isEndOfWindow && !st.gcTimer) {
      st.gcTimer = true;
      this.timers.schedule(st);
    }
  }

  /** Garbage collection, or merged away: all the window's state goes; its queue entries turn stale. */
  private removeState(st: WindowState<K, A>): void {
    st.dead = true;
    st.acc = undefined;
    this.live--;
    this.timers.remove(st);
    this.durability.remove(st);
    this.holds.remove(st);
    st.ks.forgetLists();
    const states = st.ks.states;
    const i = states.indexOf(st);
    if (i >= 0) {
      states[i] = states[states.length - 1];
      states.pop();
    }
  }

  liveStateCount(): number {
    return this.live;
  }

  // ---- merging windows (MergeHost, for the sessions' active window set) ----

  merged(target: WindowState<K, A>, sources: readonly WindowState<K, A>[], trigs: readonly TriggerState[]): void {
    this.trigger.onMerge(target.trig, trigs, this.timers.for(target));
    this.durability.set(target, target.minTs);
    this.holds.onMerge(target, sources);
    this.timers.schedule(target);
    for (let i = 0; i < sources.length; i++) if (sources[i] !== target) this.removeState(sources[i]);
  }

  // ---- checkpoints ----

  checkpoint(): GroupingCheckpoint<K, A> {
    return takeCheckpoint(this.keys.values(), this.timers, this.wm);
  }

  restore(checkpoint: GroupingCheckpoint<K, A>): void {
    if (this.keys.size > 0 || this.live > 0) {
      throw new Error("Internal: a checkpoint can only be restored into a reducer that has seen nothing yet");
    }
    this.wm.input = checkpoint.inputWatermark;
    this.wm.output = checkpoint.outputWatermark;
    if (checkpoint.processingTime > this.timers.procTime) this.timers.procTime = checkpoint.processingTime;
    const states: WindowState<K, A>[] = [];
    for (const w of checkpoint.windows) {
      const st = this.newState(this.keyState(w.key), w.window);
      restoreWindow(st, w);
      this.holds.queue(st);
      this.durability.set(st, st.minTs);
      states.push(st);
    }
    // Timers due at the same time fire in the order they were queued: queue them in the checkpoint's order.
    for (const i of checkpoint.eventTimerOrder) this.timers.schedule(states[i]);
    for (const st of states) this.timers.schedule(st);
    for (const [time, i] of checkpoint.processingTimers) this.timers.addProcessingTimer(time, states[i]);
  }
}

/**
 * Creates the keyed grouping reducer for one grouped step. `keyId` maps a key to a string identity (equal keys,
 * equal strings). Throws, with the reason, for windowing strategies Beam rejects (see validation.ts).
 */
export function createKeyedGrouping<K, V, A, O>(
  spec: WindowingSpec,
  aggregator: Aggregator<V, A, O>,
  keyId: (key: K) => string,
  output: GroupingOutput<K, V, O>,
  start?: GroupingStart,
): KeyedGrouping<K, V, A> {
  return new Reducer<K, V, A, O>(spec, aggregator, keyId, output, start);
}
