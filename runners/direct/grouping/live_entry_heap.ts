/**
 * A min-heap where each item has at most one live entry: the reducer's event-time timers, watermark holds and
 * durability holds, each a time per window that moves while the window lives (a session grows, a hold is released,
 * a pane fires).
 *
 * An item takes part through its `HeapSlot`: `time` is its current time (NaN or Infinity: none), `queued` the time
 * of its one live entry. Moving the time earlier pushes a new entry (the old one turns stale); moving it later leaves
 * the entry where it is, and the entry is re-pushed at the new time when it surfaces. Entries are never removed from
 * the middle (lazy deletion), so the heap holds O(items) entries whatever the number of updates, and ties surface in
 * the order they were pushed (TimerHeap), which keeps firings deterministic.
 */
import type { Millis } from "../../../model/model";
import { TimerHeap, type HeapEntry } from "./timer_heap";

/** One item's place in a LiveEntryHeap. */
export class HeapSlot<T> {
  /** The item's current time (NaN or Infinity: none). */
  time = NaN;
  /** The time of the item's live entry (NaN: none); entries at any other time are stale. */
  queued = NaN;
  constructor(readonly item: T) {}
}

export class LiveEntryHeap<T> {
  private readonly heap = new TimerHeap<HeapSlot<T>>();
  /** Slots with a live entry (drives compaction). */
  private live = 0;

  /** Sets the item's current time (NaN or Infinity: none) and queues it if that is before its live entry. */
  set(slot: HeapSlot<T>, time: Millis): void {
    slot.time = time;
    if (time < Infinity && !(time >= slot.queued)) {
      if (slot.queued !== slot.queued) this.live++;
      slot.queued = time;
      const heap = this.heap;
      heap.push(time, slot, 0);
      if (heap.size > 4 * this.live + 1024) heap.compact(isLive);
    }
  }

  /** The item leaves for good (garbage-collected, merged away): its entries turn stale. */
  remove(slot: HeapSlot<T>): void {
    slot.time = NaN;
    if (slot.queued === slot.queued) {
      slot.queued = NaN;
      this.live--;
    }
  }

  /** The earliest current time of any item (Infinity: none); drops stale entries, re-queues moved ones. */
  earliest(): Millis {
    const heap = this.heap;
    for (let top = heap.peek(); top !== undefined; top = heap.peek()) {
      const slot = top.item;
      if (top.time === slot.queued) {
        if (slot.time === top.time) return top.time;
        this.unqueue(slot);
        heap.pop();
        this.set(slot, slot.time);
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
  popBefore(bound: Millis): HeapSlot<T> | undefined {
    const heap = this.heap;
    for (let top = heap.peek(); top !== undefined && top.time < bound; top = heap.peek()) {
      heap.pop();
      const slot = top.item;
      if (top.time !== slot.queued) continue;
      this.unqueue(slot);
      // Its time moved later since (a session grew): re-queue at the real time, which keeps time order.
      if (slot.time !== top.time) this.set(slot, slot.time);
      else return slot;
    }
    return undefined;
  }

  /** The items with a live entry, in the order they would surface. */
  inOrder(): T[] {
    return this.heap.inOrder(isLive).map((e) => e.item.item);
  }

  private unqueue(slot: HeapSlot<T>): void {
    slot.queued = NaN;
    this.live--;
  }
}

function isLive<T>(e: HeapEntry<HeapSlot<T>>): boolean {
  return e.time === e.item.queued;
}
