/**
 * Watermark holds (Beam Java's WatermarkHold): how far each window holds back the step's output watermark, so that
 * the panes it will still emit are not late downstream.
 *
 * - Element hold: each element holds at its timestamp combined by the timestamp combiner (EARLIEST: the minimum,
 *   LATEST: the maximum, END_OF_WINDOW: the window's maxTimestamp). An element too late to hold (its hold would be
 *   before the output watermark, or the window's end already passed) holds at garbage collection time instead.
 * - Garbage-collection ("extra") hold at the window's cleanup time (capped below TIMESTAMP_MAX), so the final pane
 *   is not dropped downstream; placed after a pane fires while the window stays open.
 * - A pane takes its timestamp from the holds and releases them (extractAndRelease); merging windows recompute the
 *   element hold and replace the extra hold (onMerge).
 *
 * The holds of every live window are queued in a LiveEntryHeap; `earliest()` is the step's hold.
 */
import { TIMESTAMP_MAX, type Millis, type WindowingSpec } from "../../../model/model";
import { isExpired, isPastEndOfWindow } from "./lateness";
import { LiveEntryHeap } from "./live_entry_heap";
import { HOLD_LANE, type WindowState } from "./window_state";

/** What the holds of one window read and write. */
type S = WindowState<unknown, unknown>;

/**
 * A grouped step's two watermarks, shared by the reducer (which moves them) and its holds (which read them). One
 * object rather than arguments: a double passed to a call that is not inlined is boxed, once per element.
 */
export class Watermarks {
  constructor(
    /** The step's input watermark (the minimum of its inputs'). */
    public input: Millis,
    /** The step's output watermark: min(input, earliest hold), never moving backwards. */
    public output: Millis,
  ) {}
}

export class WatermarkHold {
  private readonly heap = new LiveEntryHeap<S>(HOLD_LANE);
  private readonly combiner: WindowingSpec["timestampCombiner"];
  private readonly closingAlways: boolean;
  /**
   * Counts the times a window's hold moved later or went (released, merged, removed). Adding holds only moves the
   * earliest hold earlier, so while this count stays the same the step's output watermark cannot advance.
   */
  releases = 0;

  constructor(
    spec: WindowingSpec,
    private readonly wm: Watermarks,
  ) {
    this.combiner = spec.timestampCombiner;
    this.closingAlways = spec.closingBehavior === "FIRE_ALWAYS";
  }

  /** The earliest hold of any window (WATERMARK_DONE = Infinity: none). */
  earliest(): Millis {
    return this.heap.earliest();
  }

  /** WatermarkHold.addHolds: the element's hold, or a garbage-collection hold when it is too late to hold. */
  addHolds(st: S, timestamp: Millis): void {
    const wm = this.wm;
    const hold = this.combiner === "END_OF_WINDOW" ? st.maxTs : timestamp;
    if (hold < wm.output || isPastEndOfWindow(st.maxTs, wm.input)) {
      // Too late to hold the output watermark (or no end-of-window timer will clear it): hold at GC time instead.
      this.addGarbageCollectionHold(st, false);
      return;
    }
    const old = st.elementHold;
    const next = old !== old ? hold : this.combine(old, hold);
    if (next !== old) {
      st.elementHold = next;
      this.queue(st);
    }
  }

  /** Places the garbage collection hold if Beam would (not for an empty pane unless FIRE_ALWAYS). */
  addGarbageCollectionHold(st: S, paneIsEmpty: boolean): void {
    let gc = st.gcTime;
    if (isExpired(gc, this.wm.input)) return;
    if (paneIsEmpty && !this.closingAlways) return;
    if (!(gc < TIMESTAMP_MAX)) gc = TIMESTAMP_MAX - 1;
    const old = st.extraHold;
    if (old !== old || gc < old) {
      st.extraHold = gc;
      this.queue(st);
    }
  }

  /**
   * WatermarkHold.extractAndRelease: the pane's timestamp (the combined hold, at most the window's maxTimestamp;
   * maxTimestamp when there is none) and the holds released; a window that stays open gets its GC hold back.
   */
  extractAndRelease(st: S, isFinished: boolean): Millis {
    let ts = combinedHold(st);
    if (ts !== ts || ts > st.maxTs) ts = st.maxTs;
    st.elementHold = NaN;
    st.extraHold = NaN;
    if (!isFinished) this.addGarbageCollectionHold(st, true);
    this.queue(st);
    return ts;
  }

  /**
   * WatermarkHold.onMerge: the sources' element holds merge by the combiner (END_OF_WINDOW: the merged window's end,
   * if it can still hold); the extra hold is replaced by a garbage collection hold.
   */
  onMerge(target: S, sources: readonly S[]): void {
    let merged = NaN;
    for (let i = 0; i < sources.length; i++) {
      const h = sources[i].elementHold;
      if (h === h) merged = merged !== merged ? h : this.combine(merged, h);
    }
    target.elementHold = NaN;
    target.extraHold = NaN;
    if (this.combiner === "END_OF_WINDOW") {
      const wm = this.wm;
      if (!(target.maxTs < wm.output) && !isPastEndOfWindow(target.maxTs, wm.input)) target.elementHold = target.maxTs;
    } else {
      target.elementHold = merged;
    }
    this.queue(target);
    this.addGarbageCollectionHold(target, false);
  }

  /** The window left (garbage-collected, merged away). */
  remove(st: S): void {
    const heap = this.heap;
    const time = heap.timeOf(st);
    if (time === time) this.releases++;
    heap.remove(st);
  }

  /** Queues the window's current hold; called after every change of its holds (and after a restore). */
  queue(st: S): void {
    const heap = this.heap;
    const before = heap.timeOf(st);
    const hold = combinedHold(st);
    if (before === before && !(hold <= before)) this.releases++;
    heap.set(st, hold);
  }

  private combine(a: Millis, b: Millis): Millis {
    if (this.combiner === "LATEST") return a > b ? a : b;
    return a < b ? a : b;
  }
}

/** The window's hold: the earlier of its element and extra holds (NaN: none). */
function combinedHold(st: S): number {
  const e = st.elementHold;
  const x = st.extraHold;
  if (e !== e) return x;
  if (x !== x) return e;
  return e < x ? e : x;
}
