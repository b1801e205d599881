/**
 * A binary min-heap of timers ordered by time, then by insertion order (so timers due at the same time fire in the
 * order they were set: deterministic output). Entries are never removed from the middle: the owner marks them stale
 * and skips them when they surface (lazy deletion), which keeps set/cancel O(log n) / O(1).
 */
import type { Millis } from "../../../model/model";

export interface HeapEntry<T> {
  readonly time: Millis;
  readonly seq: number;
  readonly item: T;
  /** The owner's version of the item when the entry was pushed; a mismatch later means the entry is stale. */
  readonly version: number;
}

export class TimerHeap<T> {
  private readonly entries: HeapEntry<T>[] = [];
  private seq = 0;

  get size(): number {
    return this.entries.length;
  }

  push(time: Millis, item: T, version: number): void {
    const e: HeapEntry<T> = { time, seq: this.seq++, item, version };
    const a = this.entries;
    let i = a.length;
    a.push(e);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!less(e, a[parent])) break;
      a[i] = a[parent];
      i = parent;
    }
    a[i] = e;
  }

  /** Drops every entry that fails `keep` and restores the heap order (O(n log n)). */
  compact(keep: (entry: HeapEntry<T>) => boolean): void {
    const a = this.entries;
    let n = 0;
    for (let i = 0; i < a.length; i++) if (keep(a[i])) a[n++] = a[i];
    a.length = n;
    a.sort((x, y) => (x.time - y.time) || (x.seq - y.seq));
  }

  /** The entries that pass `keep`, in the order they would surface (time, then insertion). */
  inOrder(keep: (entry: HeapEntry<T>) => boolean): HeapEntry<T>[] {
    return this.entries.filter(keep).sort((x, y) => (x.time - y.time) || (x.seq - y.seq));
  }

  peek(): HeapEntry<T> | undefined {
    return this.entries[0];
  }

  pop(): HeapEntry<T> | undefined {
    const a = this.entries;
    const top = a[0];
    if (top === undefined) return undefined;
    const last = a.pop() as HeapEntry<T>;
    if (a.length > 0) {
      let i = 0;
      const n = a.length;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && less(a[r], a[l]) ? r : l;
        if (!less(a[c], last)) break;
        a[i] = a[c];
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}

function less<T>(x: HeapEntry<T>, y: HeapEntry<T>): boolean {
  return x.time < y.time || (x.time === y.time && x.seq < y.seq);
}
