import { HeapSlot, LiveEntryHeap } from "../../../runners/direct/grouping/live_entry_heap";

const slots = (...names: string[]): HeapSlot<string>[] => names.map((n) => new HeapSlot(n));

test("one live entry per item: moving earlier re-queues, moving later surfaces at the new time", () => {
  const heap = new LiveEntryHeap<string>();
  const [a, b] = slots("a", "b");
  heap.set(a, 50);
  heap.set(b, 40);
  heap.set(a, 10); // earlier: a new entry, the one at 50 turns stale
  expect(heap.earliest()).toBe(10);
  heap.set(a, 60); // later: the entry at 10 surfaces and is re-queued at 60
  expect(heap.earliest()).toBe(40);
  const order: string[] = [];
  for (let s = heap.popBefore(Infinity); s !== undefined; s = heap.popBefore(Infinity)) order.push(`${s.item}@${s.time}`);
  expect(order).toEqual(["b@40", "a@60"]);
});

test("removed items and cleared times never surface; ties surface in queueing order", () => {
  const heap = new LiveEntryHeap<string>();
  const [a, b, c, d] = slots("a", "b", "c", "d");
  heap.set(a, 5);
  heap.set(b, 5);
  heap.set(c, 5);
  heap.set(d, 1);
  heap.remove(d);
  expect(heap.inOrder()).toEqual(["a", "b", "c"]);
  heap.set(b, NaN);
  expect(heap.popBefore(5)).toBeUndefined(); // due only once the bound is after the time
  expect(heap.popBefore(6)?.item).toBe("a");
  expect(heap.popBefore(6)?.item).toBe("c");
  expect(heap.earliest()).toBe(Infinity);
});

test("many moves keep the heap bounded by the items, not the updates", () => {
  const heap = new LiveEntryHeap<number>();
  const items = Array.from({ length: 10 }, (_, i) => new HeapSlot(i));
  for (let round = 0; round < 10_000; round++) for (const s of items) heap.set(s, 10_000 - round);
  expect(heap.inOrder()).toHaveLength(10);
  expect(heap.earliest()).toBe(1);
});
