import { TimerHeap } from "../../../runners/direct/grouping/timer_heap";

test("pops in time order, ties in insertion order", () => {
  const heap = new TimerHeap<string>();
  const times = [50, 10, 30, 10, 70, 20, 30, 0, 90, 10];
  times.forEach((t, i) => heap.push(t, `#${i}`, 0));
  const out: string[] = [];
  for (let e = heap.pop(); e !== undefined; e = heap.pop()) out.push(`${e.time}${e.item}`);
  expect(out).toEqual(["0#7", "10#1", "10#3", "10#9", "20#5", "30#2", "30#6", "50#0", "70#4", "90#8"]);
});

test("compact drops entries and keeps the order", () => {
  const heap = new TimerHeap<number>();
  for (let i = 0; i < 100; i++) heap.push((i * 37) % 101, i, 0);
  heap.compact((e) => e.item % 2 === 0);
  expect(heap.size).toBe(50);
  const out: number[] = [];
  for (let e = heap.pop(); e !== undefined; e = heap.pop()) out.push(e.time);
  expect(out).toEqual([...out].sort((a, b) => a - b));
  expect(out).toHaveLength(50);
});
