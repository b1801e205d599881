/**
 * A min-heap where each item has at most one live entry: the reducer's event-time timers, watermark holds and
 * durability holds, each a time per window that moves while the window lives (a session grows, a hold is released,
 * a pane fires).
 *
 * An item takes part through its `slots`: one array of LANES × 2 doubles (newHeapSlots) shared by the item's
 * heaps, each heap reading its own lane: the item's current time (NaN or Infinity: none) and the time of its one live
 * entry (NaN: none). One allocation per item for all its heaps, unboxed doubles from the start (a packed double
 * array: no boxed number, no shape change when a time is first set; cheaper to create than a Float64Array, which
 * sessions do per element). Moving the time earlier pushes a new entry (the old one turns stale); moving it
 * later leaves the entry where it is, and the entry is re-pushed at the new time when it surfaces. Entries are never
 * removed from the middle (lazy deletion), so the heap holds O(items) entries whatever the number of updates, and
 * ties surface in the order they were pushed (TimerHeap), which keeps firings deterministic.
 */
import type { Millis } from "../../../model/model";
import { TimerHeap, type HeapEntry } from "./timer_heap";

/** Heaps one item can take part in (lanes 0 .. LANES - 1). */
export const LANES = 3;

/** An item of LiveEntryHeaps: its slots, from newHeapSlots(). */
export interface HeapItem {
  readonly slots: number[];
}

/** An item's slots in every lane: all NaN (no time, no entry). */
export function newHeapSlots(): number[] {
  return [NaN, NaN, NaN, NaN, NaN, NaN];
}

export class LiveEntryHeap<T extends HeapItem> {
  private readonly heap = new TimerHeap<T>();
  /** Items with a live entry (drives compaction). */
  private live = 0;
  /** This heap's two places in an item's slots: its current time, the time of its live entry. */
  private readonly t: number;
  private readonly q: number;
  private readonly isLive: (e: HeapEntry<T>) => boolean;

  /** `lane`: which pair of the items' slots this heap owns (heaps sharing items take different lanes). */
  constructor(lane = 0) {
    if (!(Number.isInteger(lane) && lane >= 0 && lane < LANES)) {
      throw new Error(`Internal: a LiveEntryHeap lane is 0 .. ${LANES - 1}, not ${lane}`);
    }
    this.t = 2 * lane;
    const q = (this.q = 2 * lane + 1);
    this.isLive = (e) => e.time === e.item.slots[q];
  }

  /** The item's current time in this heap (NaN or Infinity: none). */
  timeOf(item: T): Millis {
    return item.slots[this.t];
  }

  /** Sets the item's current time (NaN or Infinity: none) and queues it if that is before its live entry. */
  set(item: T, time: Millis): void {
    const s = item.slots;
    s[this.t] = time;
    const queued = s[this.q];
    if (time < Infinity && !(time >= queued)) {
      if (queued !== queued) this.live++;
      s[this.q] = time;
      const heap = this.heap;
      heap.push(time, item, 0);
      if (heap.size > 4 * this.live + 1024) heap.compact(this.isLive);
    }
  }

  /** The item leaves for good (garbage-collected, merged away): its entries turn stale. */
  remove(item: T): void {
    const s = item.slots;
    s[this.t] = NaN;
    if (s[this.q] === s[this.q]) {
      s[this.q] = NaN;
      this.live--;
    }
  }

  /** The earliest current time of any item (Infinity: none); drops stale entries, re-queues moved ones. */
  earliest(): Millis {
    const heap = this.heap;
    for (let top = heap.peek(); top !== undefined; top = heap.peek()) {
      const s = top.item.slots;
      if (top.time === s[this.q]) {
        const time = s[this.t];
        if (time === top.time) return time;
        this.unqueue(s);
        heap.pop();
        this.set(top.item, time);
      } else {
        heap.pop();
      }
    }
    return Infinity;
  }

  /**
   * Takes the next item whose current time is before `bound` (in time order, ties in queueing order) and removes
   * its entry, or returns undefined. The owner sets the item's time again after handling it.
   */
  popBefore(bound: Millis): T | undefined {
    const heap = this.heap;
    for (let top = heap.peek(); top !== undefined && top.time < bound; top = heap.peek()) {
      heap.pop();
      const item = top.item;
      const s = item.slots;
      if (top.time !== s[this.q]) continue;
      this.unqueue(s);
      // Its time moved later since (a session grew): re-queue at the real time, which keeps time order.
      const time = s[this.t];
      if (time !== top.time) this.set(item, time);
      else return item;
    }
    return undefined;
  }

  /** The items with a live entry, in the order they would surface. */
  inOrder(): T[] {
    return this.heap.inOrder(this.isLive).map((e) => e.item);
  }

  private unqueue(s: number[]): void {
    s[this.q] = NaN;
    this.live--;
  }
}
