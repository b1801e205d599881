import { LiveEntryHeap, newHeapSlots, type HeapItem } from "../../../runners/direct/grouping/live_entry_heap";

interface Item extends HeapItem {
  readonly name: string;
}
const items = (...names: string[]): Item[] => names.map((name) => ({ name, slots: newHeapSlots() }));

test("one live entry per item: moving earlier re-queues, moving later surfaces at the new time", () => {
  const heap = new LiveEntryHeap<Item>();
  const [a, b] = items("a", "b");
  heap.set(a, 50);
  heap.set(b, 40);
  heap.set(a, 10); // earlier: a new entry, the one at 50 turns stale
  expect(heap.earliest()).toBe(10);
  heap.set(a, 60); // later: the entry at 10 surfaces and is re-queued at 60
  expect(heap.earliest()).toBe(40);
  const order: string[] = [];
  for (let s = heap.popBefore(Infinity); s !== undefined; s = heap.popBefore(Infinity)) order.push(`${s.name}@${heap.timeOf(s)}`);
  expect(order).toEqual(["b@40", "a@60"]);
});

test("removed items and cleared times never surface; ties surface in queueing order", () => {
  const heap = new LiveEntryHeap<Item>();
  const [a, b, c, d] = items("a", "b", "c", "d");
  heap.set(a, 5);
  heap.set(b, 5);
  heap.set(c, 5);
  heap.set(d, 1);
  heap.remove(d);
  expect(heap.inOrder().map((i) => i.name)).toEqual(["a", "b", "c"]);
  heap.set(b, NaN);
  expect(heap.popBefore(5)).toBeUndefined(); // due only once the bound is after the time
  expect(heap.popBefore(6)?.name).toBe("a");
  expect(heap.popBefore(6)?.name).toBe("c");
  expect(heap.earliest()).toBe(Infinity);
});

test("many moves keep the heap bounded by the items, not the updates", () => {
  const heap = new LiveEntryHeap<Item>();
  const many = items(...Array.from({ length: 10 }, (_, i) => String(i)));
  for (let round = 0; round < 10_000; round++) for (const s of many) heap.set(s, 10_000 - round);
  expect(heap.inOrder()).toHaveLength(10);
  expect(heap.earliest()).toBe(1);
});

test("heaps sharing items keep their own lane: one heap's times and removals leave the other's alone", () => {
  const timers = new LiveEntryHeap<Item>(0);
  const holds = new LiveEntryHeap<Item>(2);
  const [a, b] = items("a", "b");
  timers.set(a, 30);
  holds.set(a, 7);
  timers.set(b, 20);
  holds.set(b, 9);
  expect(timers.earliest()).toBe(20);
  expect(holds.earliest()).toBe(7);
  holds.remove(a);
  expect(holds.earliest()).toBe(9);
  expect(timers.timeOf(a)).toBe(30);
  expect(timers.popBefore(Infinity)?.name).toBe("b");
  expect(timers.popBefore(Infinity)?.name).toBe("a");
  expect(() => new LiveEntryHeap<Item>(3)).toThrow(/lane is 0 \.\. 2/);
});
