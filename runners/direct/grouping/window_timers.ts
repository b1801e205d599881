/**
 * The reducer's timers (Beam Java's TimerInternals for one grouped step, with the trigger context that sets them):
 * per window an end-of-window timer (when the trigger asks for it, e.g. AfterWatermark) and a garbage-collection
 * timer at its cleanup time, queued as one live entry per window (its earlier pending timer); processing-time timers
 * in a second heap, every requested time (few: one per pane per processing-time trigger).
 *
 * A timer fires when its clock is strictly after its time (Beam's rule). Timers due at the same time fire in the
 * order they were set, and all timers of one window due in one advance wake it once (`due…` return each window once).
 */
import type { Millis } from "../../../model/model";
import type { TriggerContext } from "../../../model/trigger_state_machine";
import { isExpired, isPastEndOfWindow } from "./lateness";
import { LiveEntryHeap } from "./live_entry_heap";
import { TimerHeap, type HeapEntry } from "./timer_heap";
import type { Watermarks } from "./watermark_hold";
import { TIMER_LANE, type WindowState } from "./window_state";

export class WindowTimers<K, A> implements TriggerContext {
  private readonly eventTimers = new LiveEntryHeap<WindowState<K, A>>(TIMER_LANE);
  private readonly processingTimers = new TimerHeap<WindowState<K, A>>();
  /** The window the trigger context currently speaks for. */
  private current: WindowState<K, A> | undefined = undefined;
  /** One wake-up per window per advance: the round a window was last taken in. */
  private round = 0;

  constructor(
    private readonly wm: Watermarks,
    readonly windowsMerge: boolean,
    /** The last processing time advanced to (or restored). */
    public procTime: Millis,
    /** Reads the runner's processing-time clock when a trigger needs "now" between advances. */
    private readonly clock: (() => Millis) | undefined,
    /** Live windows, for compacting the processing-time heap. */
    private readonly liveWindows: () => number,
  ) {}

  /** The trigger context for `st`. */
  for(st: WindowState<K, A>): TriggerContext {
    this.current = st;
    return this;
  }

  get windowMaxTimestamp(): Millis {
    return (this.current as WindowState<K, A>).maxTs;
  }
  get inputWatermark(): Millis {
    return this.wm.input;
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
    if (!st.eowTimer && !isPastEndOfWindow(st.maxTs, this.wm.input)) {
      st.eowTimer = true;
      this.schedule(st);
    }
  }
  setProcessingTimer(time: Millis): void {
    this.addProcessingTimer(time, this.current as WindowState<K, A>);
  }

  addProcessingTimer(time: Millis, st: WindowState<K, A>): void {
    const heap = this.processingTimers;
    heap.push(time, st, 0);
    if (heap.size > 2 * this.liveWindows() + 1024) heap.compact(liveProcessingTimer);
  }

  /** Queues the window's next event-time timer; called after every change of its timer flags or window. */
  schedule(st: WindowState<K, A>): void {
    this.eventTimers.set(st, st.nextEventTimer());
  }

  /** The window left: its timers never fire. */
  remove(st: WindowState<K, A>): void {
    this.eventTimers.remove(st);
  }

  /** The windows whose event-time timers the watermark passed, each once; their fired timers are cleared. */
  dueEventTimers(watermark: Millis): WindowState<K, A>[] {
    const round = ++this.round;
    const due: WindowState<K, A>[] = [];
    for (let st = this.eventTimers.popBefore(watermark); st !== undefined; st = this.eventTimers.popBefore(watermark)) {
      if (st.eowTimer && isPastEndOfWindow(st.maxTs, watermark)) st.eowTimer = false;
      if (st.gcTimer && isExpired(st.gcTime, watermark)) st.gcTimer = false;
      if (st.round !== round) {
        st.round = round;
        due.push(st);
      }
    }
    return due;
  }

  /** The windows whose processing-time timers are before `now`, each once. */
  dueProcessingTimers(now: Millis): WindowState<K, A>[] {
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
    return due;
  }

  /** See KeyedGrouping.nextProcessingTimeTimer. */
  nextProcessingTimeTimer(): Millis | undefined {
    const heap = this.processingTimers;
    for (let top = heap.peek(); top !== undefined; top = heap.peek()) {
      if (!top.item.dead) return top.time + 1;
      heap.pop();
    }
    return undefined;
  }

  /** Windows with a pending event-time timer, in the order they would fire (for checkpoints). */
  eventTimerOrder(): WindowState<K, A>[] {
    return this.eventTimers.inOrder();
  }

  /** Pending processing-time timers in firing order (for checkpoints). */
  pendingProcessingTimers(): HeapEntry<WindowState<K, A>>[] {
    return this.processingTimers.inOrder(liveProcessingTimer);
  }
}

function liveProcessingTimer<K, A>(e: HeapEntry<WindowState<K, A>>): boolean {
  return !e.item.dead;
}
