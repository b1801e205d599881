/**
 * The keyed grouping reducer: Beam Java's ReduceFnRunner as a pure object driven by method calls. The executor feeds
 * it elements and watermarks; it emits panes and late elements synchronously. It orchestrates named collaborators:
 * window_state.ts (what each (key, window) keeps, field by field), watermark_hold.ts (WatermarkHold),
 * active_window_set.ts + session_merging.ts (MergingActiveWindowSet), panes.ts (PaneInfoTracker), lateness.ts (every
 * lateness rule, by name), live_entry_heap.ts (the timer and hold queues) and the trigger state machine.
 *
 * Timers: per window an end-of-window timer (when the trigger asks for it, e.g. AfterWatermark) and a garbage
 * collection timer at its cleanup time; processing-time timers in a second heap. A timer fires when its clock is
 * strictly after its time (Beam's rule). All timers of one window that are due in one advance make one activation of
 * that window, judged by the current watermarks (as ReduceFnRunner.onTimers).
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
  type Firing,
  type LateElement,
  type Millis,
  type Window,
  type WindowingSpec,
} from "../../../model/model";
import { compileTrigger } from "../../../model/trigger_machines";
import type { TriggerContext, TriggerState, TriggerStateMachine } from "../../../model/trigger_state_machine";
import { validateWindowingSpec } from "../../../model/validation";
import { isMerging } from "../../../model/window_fns";
import { MergingActiveWindowSet, type MergeHost } from "./active_window_set";
import { restoreWindow, windowCheckpoint, type GroupingCheckpoint, type WindowCheckpoint } from "./grouping_checkpoint";
import { isExpired, isPastEndOfWindow, isWindowLate } from "./lateness";
import { LiveEntryHeap } from "./live_entry_heap";
import { nextPane } from "./panes";
import { TimerHeap, type HeapEntry } from "./timer_heap";
import { WatermarkHold } from "./watermark_hold";
import { KeyState, WindowState } from "./window_state";

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

class Reducer<K, V, A, O> implements KeyedGrouping<K, V, A>, TriggerContext, MergeHost<K, A> {
  /** Live keys by identity; a key goes with its last window. */
  private readonly keys = new Map<string, KeyState<K, A>>();
  /** Each window's next end-of-window / garbage-collection timer. */
  private readonly eventTimers = new LiveEntryHeap<WindowState<K, A>>();
  private readonly holds: WatermarkHold;
  /** Each window's earliest buffered timestamp (durabilityHold). */
  private readonly durability = new LiveEntryHeap<WindowState<K, A>>();
  /** Processing-time timers: every requested time (few: one per pane per processing-time trigger). */
  private readonly processingTimers = new TimerHeap<WindowState<K, A>>();
  /** Sessions: the key's active windows merge (undefined for non-merging window fns). */
  private readonly sessions: MergingActiveWindowSet<K, A> | undefined;
  readonly windowsMerge: boolean;
  private live = 0;
  private round = 0;
  private inputWm: Millis;
  private outputWm: Millis;
  private procTime: Millis;
  /** Reads the runner's processing-time clock when a trigger needs "now" between advanceProcessingTime calls. */
  private readonly clock: (() => Millis) | undefined;
  private readonly lateness: Millis;
  private readonly discarding: boolean;
  private readonly closingAlways: boolean;
  private readonly onTimeAlways: boolean;
  private readonly trigger: TriggerStateMachine;
  /** The default trigger runs inlined in addElement (the one fast path). */
  private readonly defaultTrigger: boolean;
  /** The window the trigger context currently speaks for. */
  private current: WindowState<K, A> | undefined = undefined;

  constructor(
    spec: WindowingSpec,
    private readonly agg: Aggregator<V, A, O>,
    private readonly keyId: (key: K) => string,
    private readonly output: GroupingOutput<K, V, O>,
    initial: GroupingStart | undefined,
  ) {
    validateWindowingSpec(spec);
    this.windowsMerge = isMerging(spec.windowFn);
    this.sessions = this.windowsMerge ? new MergingActiveWindowSet<K, A>(agg, this) : undefined;
    this.holds = new WatermarkHold(spec);
    this.lateness = spec.allowedLateness;
    this.discarding = spec.accumulation === "DISCARDING";
    this.closingAlways = spec.closingBehavior === "FIRE_ALWAYS";
    this.onTimeAlways = spec.onTimeBehavior === "FIRE_ALWAYS";
    this.trigger = compileTrigger(spec.trigger);
    this.defaultTrigger = spec.trigger.kind === "default";
    this.inputWm = initial?.inputWatermark ?? WATERMARK_START;
    this.outputWm = this.inputWm;
    this.procTime = initial?.processingTime ?? initial?.clock?.() ?? WATERMARK_START;
    this.clock = initial?.clock;
  }

  // ---- TriggerContext (for the window in `current`) ----

  get windowMaxTimestamp(): Millis {
    return (this.current as WindowState<K, A>).maxTs;
  }
  get inputWatermark(): Millis {
    return this.inputWm;
  }
  get processingTime(): Millis {
    const clock = this.clock;
    if (clock === undefined) return this.procTime;
    const now = clock();
    return now > this.procTime ? now : this.procTime;
  }
  setEndOfWindowTimer(): void {
    const st = this.current as WindowState<K, A>;
    // A timer already in the past would only wake the window at the next advance with nothing new to decide
    // (its trigger has already seen this watermark): skip it.
    if (!st.eowTimer && !isPastEndOfWindow(st.maxTs, this.inputWm)) {
      st.eowTimer = true;
      this.scheduleEventTimer(st);
    }
  }
  setProcessingTimer(time: Millis): void {
    const heap = this.processingTimers;
    heap.push(time, this.current as WindowState<K, A>, 0);
    if (heap.size > 2 * this.live + 1024) heap.compact(liveProcessingTimer);
  }

  private ctx(st: WindowState<K, A>): TriggerContext {
    this.current = st;
    return this;
  }

  // ---- elements ----

  processElement(key: K, value: V, timestamp: Millis, windows: readonly Window[]): void {
    const sessions = this.sessions;
    let ks: KeyState<K, A> | undefined;
    let expired: Window[] | undefined;
    let closed: Window[] | undefined;
    // Windows are independent (sessions: one proto-window), so firing each right after adding equals Beam's
    // add-all-then-fire.
    for (let i = 0; i < windows.length; i++) {
      const w = windows[i];
      if (isWindowLate(w, this.lateness, this.inputWm)) {
        (expired ??= []).push(w);
        continue;
      }
      ks ??= this.keyState(key);
      const st = sessions !== undefined ? sessions.mergeInto(ks, w) : ks.find(w) ?? this.newState(ks, w);
      if (st.closed) (closed ??= []).push(st.window);
      else this.addElement(st, value, timestamp);
    }
    if (expired !== undefined) this.emitLate(key, value, timestamp, expired, "EXPIRED_WINDOW");
    if (closed !== undefined) this.emitLate(key, value, timestamp, closed, "CLOSED_WINDOW");
    this.updateOutputWatermark();
  }

  private emitLate(key: K, value: V, timestamp: Millis, windows: readonly Window[], reason: LateElement<K, V>["reason"]): void {
    this.output.late({ key, value, timestamp, windows, watermark: this.inputWm, reason });
  }

  private keyState(key: K): KeyState<K, A> {
    const id = this.keyId(key);
    const found = this.keys.get(id);
    if (found !== undefined) return found;
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
      this.durability.set(st.durabilitySlot, timestamp);
    }
    this.holds.addHolds(st, timestamp, this.inputWm, this.outputWm);
    if (this.defaultTrigger) {
      // The default trigger inlined (same effects as onElement + shouldFire): it never closes a window, sets the
      // end-of-window timer on each element, and is ready to fire once the watermark passed the end of the window.
      const late = isPastEndOfWindow(st.maxTs, this.inputWm);
      if (!st.gcTimer || !(st.eowTimer || late)) {
        st.gcTimer = true;
        if (!late) st.eowTimer = true;
        this.scheduleEventTimer(st);
      }
      if (late) this.emit(st);
      return;
    }
    // The GC timer is flagged first and queued once after the trigger set its own (usually earlier) timer: one
    // queue entry per window instead of two. The order timers are set in has no effect on when they fire.
    const fresh = !st.gcTimer;
    st.gcTimer = true;
    this.trigger.onElement(st.trig, this.ctx(st));
    if (fresh) this.scheduleEventTimer(st);
    if (this.trigger.shouldFire(st.trig, this.ctx(st))) this.emit(st);
  }

  private scheduleEventTimer(st: WindowState<K, A>): void {
    this.eventTimers.set(st.timerSlot, st.nextEventTimer());
  }

  private clearBuffered(st: WindowState<K, A>): void {
    st.acc = undefined;
    st.minTs = Infinity;
    this.durability.set(st.durabilitySlot, Infinity);
  }

  watermarkHold(): Millis {
    return this.holds.earliest();
  }

  durabilityHold(): Millis {
    return this.durability.earliest();
  }

  private updateOutputWatermark(): void {
    const hold = this.holds.earliest();
    const candidate = hold < this.inputWm ? hold : this.inputWm;
    if (candidate > this.outputWm) this.outputWm = candidate;
  }

  // ---- firing ----

  /** ReduceFnRunner.emit: the trigger said fire. */
  private emit(st: WindowState<K, A>): void {
    this.trigger.onFire(st.trig, this.ctx(st));
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
    const ts = this.holds.extractAndRelease(st, isFinished, this.inputWm);
    const isEmpty = !st.nonEmpty;
    if (isEmpty && !this.closingAlways && !this.onTimeAlways) return;
    const pane = nextPane(st.lastPane, isFinished, st.maxTs, this.inputWm, this.outputWm);
    if (!isEmpty || (pane.timing === "ON_TIME" && this.onTimeAlways) || (isFinished && this.closingAlways)) {
      if (!isFinished) st.lastPane = pane;
      const agg = this.agg;
      const value = agg.extract(st.acc === undefined ? agg.create() : st.acc);
      this.output.firing({ key: st.ks.key, window: st.window, value, timestamp: ts, pane });
    }
  }

  // ---- timers ----

  advanceInputWatermark(watermark: Millis): void {
    if (watermark < this.inputWm) {
      throw new Error(
        `input watermark moved backwards from ${this.inputWm} to ${watermark}: watermarks are monotonic; ` +
          `pass the minimum of the inputs' watermarks and never lower it`,
      );
    }
    if (watermark === this.inputWm) return;
    this.inputWm = watermark;
    const round = ++this.round;
    const due: WindowState<K, A>[] = [];
    for (let slot = this.eventTimers.popBefore(watermark); slot !== undefined; slot = this.eventTimers.popBefore(watermark)) {
      const st = slot.item;
      if (st.eowTimer && isPastEndOfWindow(st.maxTs, watermark)) st.eowTimer = false;
      if (st.gcTimer && isExpired(st.gcTime, watermark)) st.gcTimer = false;
      if (st.round !== round) {
        st.round = round;
        due.push(st);
      }
    }
    for (let i = 0; i < due.length; i++) {
      const st = due[i];
      if (st.dead) continue;
      this.activate(st);
      if (!st.dead) this.scheduleEventTimer(st);
    }
    this.updateOutputWatermark();
  }

  advanceProcessingTime(now: Millis): void {
    if (!(now > this.procTime)) return;
    this.procTime = now;
    const round = ++this.round;
    const heap = this.processingTimers;
    const due: WindowState<K, A>[] = [];
    for (let top = heap.peek(); top !== undefined && top.time < now; top = heap.peek()) {
      heap.pop();
      const st = top.item;
      if (st.dead || st.round === round) continue;
      st.round = round;
      due.push(st);
    }
    for (let i = 0; i < due.length; i++) {
      const st = due[i];
      // Processing-time timers of expired windows are ignored; garbage collection happens on event time.
      if (st.dead || isExpired(st.gcTime, this.inputWm)) continue;
      this.activate(st);
    }
    this.updateOutputWatermark();
  }

  nextProcessingTimeTimer(): Millis | undefined {
    const heap = this.processingTimers;
    for (let top = heap.peek(); top !== undefined; top = heap.peek()) {
      if (!top.item.dead) return top.time + 1;
      heap.pop();
    }
    return undefined;
  }

  /** ReduceFnRunner.onTimers for one window, judged by the current watermarks. */
  private activate(st: WindowState<K, A>): void {
    const isEndOfWindow = isPastEndOfWindow(st.maxTs, this.inputWm) && !isPastEndOfWindow(st.maxTs, this.outputWm);
    if (isExpired(st.gcTime, this.inputWm)) {
      if (!st.closed) this.onTrigger(st, true);
      this.removeState(st);
      if (st.ks.states.length === 0) this.keys.delete(st.ks.keyId);
      return;
    }
    if (!st.closed && this.trigger.shouldFire(st.trig, this.ctx(st))) this.emit(st);
    if (isEndOfWindow && !st.gcTimer) {
      st.gcTimer = true;
      this.scheduleEventTimer(st);
    }
  }

  /** Garbage collection, or merged away: all the window's state goes; its queue entries turn stale. */
  private removeState(st: WindowState<K, A>): void {
    st.dead = true;
    st.acc = undefined;
    this.live--;
    this.eventTimers.remove(st.timerSlot);
    this.durability.remove(st.durabilitySlot);
    this.holds.remove(st);
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
    this.trigger.onMerge(target.trig, trigs, this.ctx(target));
    this.durability.set(target.durabilitySlot, target.minTs);
    this.holds.onMerge(target, sources, this.inputWm, this.outputWm);
    this.scheduleEventTimer(target);
    for (let i = 0; i < sources.length; i++) if (sources[i] !== target) this.removeState(sources[i]);
  }

  // ---- checkpoints ----

  checkpoint(): GroupingCheckpoint<K, A> {
    const windows: WindowCheckpoint<K, A>[] = [];
    const index = new Map<WindowState<K, A>, number>();
    for (const ks of this.keys.values()) {
      for (const st of ks.states) {
        index.set(st, windows.length);
        windows.push(windowCheckpoint(st));
      }
    }
    const eventTimerOrder: number[] = [];
    for (const st of this.eventTimers.inOrder()) {
      const i = index.get(st);
      if (i !== undefined) eventTimerOrder.push(i);
    }
    const processingTimers: (readonly [Millis, number])[] = [];
    for (const e of this.processingTimers.inOrder(liveProcessingTimer)) {
      const i = index.get(e.item);
      if (i !== undefined) processingTimers.push([e.time, i]);
    }
    return {
      inputWatermark: this.inputWm,
      outputWatermark: this.outputWm,
      processingTime: this.procTime,
      windows,
      eventTimerOrder,
      processingTimers,
    };
  }

  restore(checkpoint: GroupingCheckpoint<K, A>): void {
    if (this.keys.size > 0 || this.live > 0) {
      throw new Error("Internal: a checkpoint can only be restored into a reducer that has seen nothing yet");
    }
    this.inputWm = checkpoint.inputWatermark;
    this.outputWm = checkpoint.outputWatermark;
    if (checkpoint.processingTime > this.procTime) this.procTime = checkpoint.processingTime;
    const states: WindowState<K, A>[] = [];
    for (const w of checkpoint.windows) {
      const st = this.newState(this.keyState(w.key), w.window);
      restoreWindow(st, w);
      this.holds.queue(st);
      this.durability.set(st.durabilitySlot, st.minTs);
      states.push(st);
    }
    // Timers due at the same time fire in the order they were queued: queue them in the checkpoint's order.
    for (const i of checkpoint.eventTimerOrder) this.scheduleEventTimer(states[i]);
    for (const st of states) this.scheduleEventTimer(st);
    for (const [time, i] of checkpoint.processingTimers) this.processingTimers.push(time, states[i], 0);
  }
}

function liveProcessingTimer<K, A>(e: HeapEntry<WindowState<K, A>>): boolean {
  return !e.item.dead;
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
