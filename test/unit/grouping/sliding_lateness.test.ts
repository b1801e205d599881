/** Sliding windows: assignment to every window, and elements that are late for some of their windows only. */
import { harness, listOf, sec, spec } from "./harness";

const ALICE = "alice";
const sliding30by10 = { kind: "sliding", size: sec(30), period: sec(10), offset: 0 } as const;

test("an element belongs to size/period windows, each fired when the watermark passes its end", () => {
  const h = harness(spec(sliding30by10), listOf);
  h.add(ALICE, sec(15));
  expect(h.grouping.liveStateCount()).toBe(3);
  h.watermark(sec(20));
  expect(h.take().map((f) => f.window)).toEqual([[-sec(10), sec(20)]]);
  h.watermark(sec(40));
  expect(h.take().map((f) => f.window)).toEqual([
    [0, sec(30)],
    [sec(10), sec(40)],
  ]);
});

test("an element with some expired windows goes into the live ones; the expired ones are reported as late", () => {
  const h = harness(spec(sliding30by10), listOf);
  h.watermark(sec(25));
  // ts 8 s: windows [-20, 10), [-10, 20) (both expired at watermark 25 s) and [0, 30) (live).
  h.add(ALICE, sec(8));
  expect(h.takeLate()).toEqual([
    {
      key: ALICE,
      value: sec(8),
      windows: [
        [-sec(20), sec(10)],
        [-sec(10), sec(20)],
      ],
      reason: "EXPIRED_WINDOW",
    },
  ]);
  h.watermark(sec(30));
  expect(h.take().map((f) => [f.window, f.value])).toEqual([[[0, sec(30)], [sec(8)]]]);
});

test("the late output carries the input watermark at arrival", () => {
  const h = harness(spec(sliding30by10), listOf);
  h.watermark(sec(50));
  h.add(ALICE, sec(1));
  expect(h.late.map((l) => [l.watermark, l.timestamp, l.windows.length])).toEqual([[sec(50), sec(1), 3]]);
});
