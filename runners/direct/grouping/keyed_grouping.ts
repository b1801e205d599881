/**
 * The keyed grouping reducer: Beam Java's ReduceFnRunner (with WatermarkHold, PaneInfoTracker, NonEmptyPanes,
 * MergingActiveWindowSet and LateDataDroppingDoFnRunner folded in) as a pure object driven by method calls. The
 * executor feeds it elements and watermarks; it emits panes and late elements synchronously.
 *
 * Per (key, window) it keeps: the aggregator's accumulator, whether the current pane saw data, the element hold and
 * the extra (garbage collection) hold, the previous pane, the trigger state, and whether the trigger finished
 * ("closed": the window emits nothing more and later data for it goes to the late output with CLOSED_WINDOW).
 *
 * Timers: per window an end-of-window timer (when the trigger asks for it, e.g. AfterWatermark) and a garbage
 * collection timer at maxTimestamp + allowedLateness, in a min-heap; processing-time timers in a second heap.
 * A timer fires when its clock is strictly after its time (Beam's rule). All timers of one window that are due in
 * one advance make one activation of that window, judged by the current watermarks (as ReduceFnRunner.onTimers).
 *
 * Late data: an element's window is droppable ("expired") when maxTimestamp + allowedLateness < input watermark
 * (checked on the assigned windows before merging, as Beam's LateDataDroppingDoFnRunner does). An element with
 * several windows (sliding) goes into every live window; the windows it missed are reported on the late output,
 * one LateElement per reason (EXPIRED_WINDOW, CLOSED_WINDOW) listing only the missed windows. So `late` carries
 * (element, window) pairs that were dropped, exactly what Beam's droppedDueToLateness / droppedDueToClosedWindow
 * counters count; an element with one live and one expired window appears both in a pane and on the late output.
 */
import { garbageCollectionTime } from "./lateness";
import {
  TIMESTAMP_MAX,
  WATERMARK_DONE,
  WATERMARK_START,
  type Aggregator,
  type Firing,
  type LateElement,
  type Millis,
  type Pane,
  type Window,
  type WindowingSpec,
} from "../../../model/model";
import { nextPane } from "./panes";
import { planSessionMerge } from "./session_merging";
import { TimerHeap, type HeapEntry } from "./timer_heap";
import type { GroupingCheckpoint, WindowCheckpoint } from "./grouping_checkpoint";
import { compileTrigger } from "../../../model/trigger_machines";
import type { TriggerContext, TriggerState, TriggerStateMachine } from "../../../model/trigger_state_machine";
import { validateWindowingSpec } from "../../../model/validation";
import { isMerging } from "../../../model/window_fns";

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

class KeyState<K, A> {
  readonly states: WindowState<K, A>[] = [];
  constructor(
    readonly key: K,
    readonly keyId: string,
  ) {}
}

class WindowState<K, A> {
  acc: A | undefined = undefined;
  /** The current pane has seen data (Beam's NonEmptyPanes). */
  nonEmpty = false;
  /** Element hold, combined by the timestamp combiner (NaN: none). */
  elementHold = NaN;
  /** Garbage-collection hold (Beam's extra hold; NaN: none). */
  extraHold = NaN;
  /** Earliest timestamp of the elements in `acc` (durability; Infinity: none). */
  minTs = Infinity;
  lastPane: Pane | undefined = undefined;
  /** The trigger finished: no more output for this window until it is garbage-collected. */
  closed = false;
  /** Garbage-collected or merged away: every heap entry pointing here is stale. */
  dead = false;
  /** Pending event-time timers: at maxTs (end of window) and at gcTime. */
  eowTimer = false;
  gcTimer = false;
  /** Time of this window's newest live entry in each heap (NaN: none); other entries are stale. */
  timerQueued = NaN;
  holdQueued = NaN;
  minTsQueued = NaN;
  /** The activation round this window was last woken in (one activation per advance). */
  round = -1;
  maxTs: Millis;
  gcTime: Millis;
  constructor(
    readonly ks: KeyState<K, A>,
    public window: Window,
    allowedLateness: Millis,
    public trig: TriggerState,
  ) {
    this.maxTs = window.end - 1;
    this.gcTime = garbageCollectionTime(window, allowedLateness);
  }
}

/** The window's next pending event-time timer (Infinity: none). */
function nextEventTimer<K, A>(st: WindowState<K, A>): Millis {
  const eow = st.eowTimer ? st.maxTs : Infinity;
  const gc = st.gcTimer ? st.gcTime : Infinity;
  return eow < gc ? eow : gc;
}

function combinedHold<K, A>(st: WindowState<K, A>): number {
  const e = st.elementHold;
  const x = st.extraHold;
  if (e !== e) return x;
  if (x !== x) return e;
  return e < x ? e : x;
}

class Reducer<K, V, A, O> implements KeyedGrouping<K, V, A>, TriggerContext {
  private readonly keys = new Map<string, KeyState<K, A>>();
  /**
   * Heaps with lazy deletion. Each window keeps at most one live entry per heap (the `…Queued` time); when its
   * value moves later (a session grows, a hold is released) the old entry stays and is re-pushed at the new time
   * when it surfaces, so a heap holds O(live windows) entries whatever the number of elements.
   */
  private readonly eventTimers = new TimerHeap<WindowState<K, A>>();
  private readonly holds = new TimerHeap<WindowState<K, A>>();
  private readonly durability = new TimerHeap<WindowState<K, A>>();
  /** Processing-time timers: every requested time (few: one per pane per processing-time trigger). */
  private readonly processingTimers = new TimerHeap<WindowState<K, A>>();
  private live = 0;
  private round = 0;
  private inputWm: Millis;
  private outputWm: Millis;
  private procTime: Millis;
  /** Reads the runner's processing-time clock when a trigger needs "now" between advanceProcessingTime calls. */
  private readonly clock: (() => Millis) | undefined;
  private readonly merging: boolean;
  readonly windowsMerge: boolean;
  private readonly lateness: Millis;
  private readonly discarding: boolean;
  private readonly combiner: WindowingSpec["timestampCombiner"];
  private readonly closingAlways: boolean;
  private readonly onTimeAlways: boolean;
  private readonly trigger: TriggerStateMachine;
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
    this.merging = isMerging(spec.windowFn);
    this.windowsMerge = this.merging;
    this.lateness = spec.allowedLateness;
    this.discarding = spec.accumulation === "DISCARDING";
    this.combiner = spec.timestampCombiner;
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
    if (!st.eowTimer && !(this.inputWm > st.maxTs)) {
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
    if (this.merging) {
      this.processMerging(key, value, timestamp, windows);
      return;
    }
    const lateness = this.lateness;
    const inputWm = this.inputWm;
    if (windows.length === 1) {
      const w = windows[0];
      if (w.end - 1 + lateness < inputWm) {
        this.emitLate(key, value, timestamp, windows, "EXPIRED_WINDOW");
      } else {
        const st = this.stateFor(this.keyState(key), w);
        if (this.defaultTrigger) {
          // Fast path, the default trigger inlined: it never closes a window, sets the end-of-window timer on
          // each element, and is ready to fire once the watermark passed the end of the window.
          this.addValueDefaultTrigger(st, value, timestamp);
          if (inputWm > st.maxTs) this.emit(st);
        } else if (st.closed) {
          this.emitLate(key, value, timestamp, windows, "CLOSED_WINDOW");
        } else {
          this.addValue(st, value, timestamp);
          if (this.trigger.shouldFire(st.trig, this.ctx(st))) this.emit(st);
        }
      }
    } else {
      let expired: Window[] | undefined;
      let closed: Window[] | undefined;
      let ks: KeyState<K, A> | undefined;
      const defaultTrigger = this.defaultTrigger;
      for (let i = 0; i < windows.length; i++) {
        const w = windows[i];
        if (w.end - 1 + lateness < inputWm) {
          (expired ??= []).push(w);
          continue;
        }
        const st = this.stateFor((ks ??= this.keyState(key)), w);
        if (st.closed) {
          (closed ??= []).push(w);
          continue;
        }
        // Windows are independent, so firing each right after adding equals Beam's add-all-then-fire.
        if (defaultTrigger) {
          // The default trigger's fast path, as for a single window above (sliding windows take this branch).
          this.addValueDefaultTrigger(st, value, timestamp);
          if (inputWm > st.maxTs) this.emit(st);
        } else {
          this.addValue(st, value, timestamp);
          if (this.trigger.shouldFire(st.trig, this.ctx(st))) this.emit(st);
        }
      }
      if (expired !== undefined) this.emitLate(key, value, timestamp, expired, "EXPIRED_WINDOW");
      if (closed !== undefined) this.emitLate(key, value, timestamp, closed, "CLOSED_WINDOW");
    }
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

  /** The state of (key, window) for non-merging window fns, created if needed. */
  private stateFor(ks: KeyState<K, A>, w: Window): WindowState<K, A> {
    const states = ks.states;
    for (let i = 0; i < states.length; i++) {
      const s = states[i];
      if (s.window.start === w.start && s.window.end === w.end) return s;
    }
    return this.newState(ks, w);
  }

  private newState(ks: KeyState<K, A>, w: Window): WindowState<K, A> {
    const st = new WindowState<K, A>(ks, w, this.lateness, this.trigger.newState());
    ks.states.push(st);
    this.live++;
    return st;
  }

  /** ReduceFnRunner.processElement for one (element, window): buffer, hold, trigger. */
  private addValue(st: WindowState<K, A>, value: V, timestamp: Millis): void {
    this.bufferValue(st, value, timestamp);
    if (st.gcTimer) {
      this.trigger.onElement(st.trig, this.ctx(st));
    } else {
      // Flag the GC timer first and queue once after the trigger set its own (usually earlier) timer: one heap
      // entry per window instead of two. The order timers are set in has no effect on when they fire.
      st.gcTimer = true;
      this.trigger.onElement(st.trig, this.ctx(st));
      this.scheduleEventTimer(st);
    }
  }

  /** The element's part of processElement, whatever the trigger: accumulate, mark non-empty, hold. */
  private bufferValue(st: WindowState<K, A>, value: V, timestamp: Millis): void {
    const agg = this.agg;
    st.acc = agg.add(st.acc === undefined ? agg.create() : st.acc, value);
    st.nonEmpty = true;
    if (timestamp < st.minTs) {
      st.minTs = timestamp;
      this.queueMinTs(st);
    }
    this.addHolds(st, timestamp);
  }

  /** addValue with the default trigger's onElement inlined (same effects). */
  private addValueDefaultTrigger(st: WindowState<K, A>, value: V, timestamp: Millis): void {
    this.bufferValue(st, value, timestamp);
    if (st.gcTimer && (st.eowTimer || this.inputWm > st.maxTs)) return;
    st.gcTimer = true;
    if (!(this.inputWm > st.maxTs)) st.eowTimer = true;
    this.scheduleEventTimer(st);
  }

  // ---- watermark holds (WatermarkHold) ----

  private addHolds(st: WindowState<K, A>, timestamp: Millis): void {
    const hold = this.combiner === "END_OF_WINDOW" ? st.maxTs : timestamp;
    if (hold < this.outputWm || st.maxTs < this.inputWm) {
      // Too late to hold the output watermark (or no end-of-window timer will clear it): hold at GC time instead.
      this.addGcHold(st, false);
      return;
    }
    const old = st.elementHold;
    let next: number;
    if (old !== old) next = hold; // NaN: no hold yet
    else if (this.combiner === "LATEST") next = hold > old ? hold : old;
    else next = hold < old ? hold : old;
    if (next !== old) {
      st.elementHold = next;
      this.queueHold(st);
    }
  }

  /** Places the garbage collection hold if Beam would; returns whether it did. */
  private addGcHold(st: WindowState<K, A>, paneIsEmpty: boolean): boolean {
    let gc = st.gcTime;
    if (gc < this.inputWm) return false;
    if (paneIsEmpty && !this.closingAlways) return false;
    if (!(gc < TIMESTAMP_MAX)) gc = TIMESTAMP_MAX - 1;
    const old = st.extraHold;
    if (old !== old || gc < old) {
      st.extraHold = gc;
      this.queueHold(st);
    }
    return true;
  }

  private queueHold(st: WindowState<K, A>): void {
    const h = combinedHold(st);
    if (h === h && !(h >= st.holdQueued)) {
      st.holdQueued = h;
      const heap = this.holds;
      heap.push(h, st, 0);
      if (heap.size > 4 * this.live + 1024) heap.compact(liveHold);
    }
  }

  private queueMinTs(st: WindowState<K, A>): void {
    const t = st.minTs;
    if (t !== Infinity && !(t >= st.minTsQueued)) {
      st.minTsQueued = t;
      const heap = this.durability;
      heap.push(t, st, 0);
      if (heap.size > 4 * this.live + 1024) heap.compact(liveMinTs);
    }
  }

  private scheduleEventTimer(st: WindowState<K, A>): void {
    const t = nextEventTimer(st);
    if (t !== Infinity && !(t >= st.timerQueued)) {
      st.timerQueued = t;
      const heap = this.eventTimers;
      heap.push(t, st, 0);
      if (heap.size > 4 * this.live + 1024) heap.compact(liveEventTimer);
    }
  }

  watermarkHold(): Millis {
    const heap = this.holds;
    for (let top = heap.peek(); top !== undefined; top = heap.peek()) {
      const st = top.item;
      if (!st.dead && top.time === st.holdQueued) {
        const h = combinedHold(st);
        if (h === top.time) return h;
        heap.pop();
        st.holdQueued = NaN;
        this.queueHold(st);
      } else {
        heap.pop();
      }
    }
    return WATERMARK_DONE;
  }

  durabilityHold(): Millis {
    const heap = this.durability;
    for (let top = heap.peek(); top !== undefined; top = heap.peek()) {
      const st = top.item;
      if (!st.dead && top.time === st.minTsQueued) {
        if (st.minTs === top.time) return top.time;
        heap.pop();
        st.minTsQueued = NaN;
        this.queueMinTs(st);
      } else {
        heap.pop();
      }
    }
    return WATERMARK_DONE;
  }

  private updateOutputWatermark(): void {
    const hold = this.watermarkHold();
    const candidate = hold < this.inputWm ? hold : this.inputWm;
    if (candidate > this.outputWm) this.outputWm = candidate;
  }

  // ---- firing ----

  /** ReduceFnRunner.emit: the trigger said fire. */
  private emit(st: WindowState<K, A>): void {
    const ctx = this.ctx(st);
    this.trigger.onFire(st.trig, ctx);
    const isFinished = this.trigger.isFinished(st.trig);
    this.onTrigger(st, isFinished);
    st.nonEmpty = false;
    if (isFinished || this.discarding) {
      st.acc = undefined;
      st.minTs = Infinity;
    }
    if (isFinished) {
      st.closed = true;
      st.lastPane = undefined;
      st.elementHold = NaN;
      st.extraHold = NaN;
    }
  }

  /** ReduceFnRunner.onTrigger: extract and release the hold, compute the pane, emit if Beam would. */
  private onTrigger(st: WindowState<K, A>, isFinished: boolean): void {
    let ts = combinedHold(st);
    if (ts !== ts || ts > st.maxTs) ts = st.maxTs;
    st.elementHold = NaN;
    st.extraHold = NaN;
    if (!isFinished) this.addGcHold(st, true);
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
    const heap = this.eventTimers;
    const due: WindowState<K, A>[] = [];
    for (let top = heap.peek(); top !== undefined && top.time < watermark; top = heap.peek()) {
      heap.pop();
      const st = top.item;
      if (st.dead || top.time !== st.timerQueued) continue;
      st.timerQueued = NaN;
      if (nextEventTimer(st) !== top.time) {
        // Its window grew since (sessions): re-queue at the real time, which keeps timers in time order.
        this.scheduleEventTimer(st);
        continue;
      }
      if (st.eowTimer && st.maxTs < watermark) st.eowTimer = false;
      if (st.gcTimer && st.gcTime < watermark) st.gcTimer = false;
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
      if (st.dead || st.maxTs + this.lateness < this.inputWm) continue;
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
    const isEndOfWindow = this.inputWm > st.maxTs && !(this.outputWm > st.maxTs);
    if (this.inputWm > st.gcTime) {
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

  /** Garbage collection, or merged away: all the window's state goes; its heap entries become stale. */
  private removeState(st: WindowState<K, A>): void {
    st.dead = true;
    st.acc = undefined;
    this.live--;
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

  // ---- checkpoints ----

  checkpoint(): GroupingCheckpoint<K, A> {
    const windows: WindowCheckpoint<K, A>[] = [];
    const index = new Map<WindowState<K, A>, number>();
    for (const ks of this.keys.values()) {
      for (const st of ks.states) {
        if (st.dead) continue;
        index.set(st, windows.length);
        windows.push({
          key: ks.key,
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
        });
      }
    }
    const eventTimerOrder: number[] = [];
    for (const e of this.eventTimers.inOrder(liveEventTimer)) {
      const i = index.get(e.item);
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
      this.queueHold(st);
      this.queueMinTs(st);
      states.push(st);
    }
    // Timers due at the same time fire in the order they were queued: queue them in the checkpoint's order.
    for (const i of checkpoint.eventTimerOrder) this.scheduleEventTimer(states[i]);
    for (const st of states) this.scheduleEventTimer(st);
    for (const [time, i] of checkpoint.processingTimers) this.processingTimers.push(time, states[i], 0);
  }

  // ---- merging windows (sessions) ----

  private processMerging(key: K, value: V, timestamp: Millis, windows: readonly Window[]): void {
    for (let i = 0; i < windows.length; i++) {
      const proto = windows[i];
      if (proto.end - 1 + this.lateness < this.inputWm) {
        this.emitLate(key, value, timestamp, [proto], "EXPIRED_WINDOW");
        continue;
      }
      const ks = this.keyState(key);
      const st = this.mergeInto(ks, proto);
      if (st.closed) {
        this.emitLate(key, value, timestamp, [st.window], "CLOSED_WINDOW");
        continue;
      }
      if (this.defaultTrigger) {
        // The default trigger's fast path (same effects as addValue + onElement + shouldFire).
        this.addValueDefaultTrigger(st, value, timestamp);
        if (this.inputWm > st.maxTs) this.emit(st);
      } else {
        this.addValue(st, value, timestamp);
        if (this.trigger.shouldFire(st.trig, this.ctx(st))) this.emit(st);
      }
    }
    this.updateOutputWatermark();
  }

  /**
   * Merges the proto-window into the key's sessions (session_merging.ts decides what merges) and returns the state
   * of the resulting window. A result equal to an existing window keeps that window's state and pane history; a new
   * span is a new window with a fresh pane history and trigger state (Beam clears the pane info of merged-away
   * windows).
   */
  private mergeInto(ks: KeyState<K, A>, proto: Window): WindowState<K, A> {
    const plan = planSessionMerge(ks.states, proto);
    switch (plan.kind) {
      case "new":
        return this.newState(ks, proto);
      case "closed":
      case "inside":
        return plan.window;
      case "merge": {
        const sources = plan.sources as WindowState<K, A>[];
        if (plan.existing !== undefined) {
          this.mergeStates(plan.existing, sources, undefined);
          return plan.existing;
        }
        // Reuse the first source's state object for the new window (renamed, fresh pane history and trigger
        // state): a growing session does not churn objects and heap entries.
        this.mergeStates(sources[0], sources, plan.span);
        return sources[0];
      }
    }
  }

  private mergeStates(target: WindowState<K, A>, sources: WindowState<K, A>[], renameTo: Window | undefined): void {
    const agg = this.agg;
    let accCount = 0;
    let onlyAcc: A | undefined;
    let anyNonEmpty = false;
    let earliestTs = Infinity;
    let mergedHold = NaN;
    const trigs: TriggerState[] = [];
    for (let i = 0; i < sources.length; i++) {
      const s = sources[i];
      trigs.push(s.trig);
      if (s.acc !== undefined) {
        accCount++;
        onlyAcc = s.acc;
      }
      anyNonEmpty = anyNonEmpty || s.nonEmpty;
      if (s.minTs < earliestTs) earliestTs = s.minTs;
      const h = s.elementHold;
      if (h === h) {
        if (mergedHold !== mergedHold) mergedHold = h;
        else if (this.combiner === "LATEST") mergedHold = h > mergedHold ? h : mergedHold;
        else mergedHold = h < mergedHold ? h : mergedHold;
      }
    }
    if (accCount > 1) {
      const accs: A[] = [];
      for (let i = 0; i < sources.length; i++) {
        const a = sources[i].acc;
        if (a !== undefined) accs.push(a);
      }
      target.acc = agg.merge(accs);
    } else {
      target.acc = onlyAcc;
    }
    if (renameTo !== undefined) {
      target.window = renameTo;
      target.maxTs = renameTo.end - 1;
      target.gcTime = garbageCollectionTime(renameTo, this.lateness);
      target.lastPane = undefined;
      // The old window's end-of-window and GC timers are cancelled; the new window's are set by the element.
      target.eowTimer = false;
      target.gcTimer = false;
      target.trig = this.trigger.newState();
    }
    this.trigger.onMerge(target.trig, trigs, this.ctx(target));
    target.nonEmpty = anyNonEmpty;
    target.minTs = earliestTs;
    this.queueMinTs(target);
    // WatermarkHold.onMerge: element holds merge by the combiner (end of window: the merged window's end, if it can
    // still hold); the extra hold is replaced by a garbage collection hold.
    target.elementHold = NaN;
    target.extraHold = NaN;
    if (this.combiner === "END_OF_WINDOW") {
      if (!(target.maxTs < this.outputWm) && !(target.maxTs < this.inputWm)) target.elementHold = target.maxTs;
    } else {
      target.elementHold = mergedHold;
    }
    this.queueHold(target);
    this.addGcHold(target, false);
    for (let i = 0; i < sources.length; i++) if (sources[i] !== target) this.removeState(sources[i]);
  }
}

function liveProcessingTimer<K, A>(e: HeapEntry<WindowState<K, A>>): boolean {
  return !e.item.dead;
}
function liveEventTimer<K, A>(e: HeapEntry<WindowState<K, A>>): boolean {
  return !e.item.dead && e.time === e.item.timerQueued;
}
function liveHold<K, A>(e: HeapEntry<WindowState<K, A>>): boolean {
  return !e.item.dead && e.time === e.item.holdQueued;
}
function liveMinTs<K, A>(e: HeapEntry<WindowState<K, A>>): boolean {
  return !e.item.dead && e.time === e.item.minTsQueued;
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
