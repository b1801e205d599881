import { createKeyedGrouping } from "../../../runners/direct/grouping/keyed_grouping";
import type { LateElement, Window } from "../../../model/model";
import { spec as harnessSpec, sumOf } from "./harness";

const spec = harnessSpec({ kind: "sliding", size: 20, period: 10, offset: 0 });

test("one windows list handed again after a window was garbage-collected: that window is expired, the other kept", () => {
  const firings: string[] = [];
  const late: LateElement<string, number>[] = [];
  const g = createKeyedGrouping<string, number, number, number>(spec, sumOf, (k) => k, {
    firing: (f) => firings.push(`${f.key}[${f.window.start},${f.window.end})=${f.value}`),
    late: (l) => late.push(l),
  });
  // The runner hands the same (immutable) list to every element of one period slot.
  const windows: readonly Window[] = [
    { start: 0, end: 20 },
    { start: 10, end: 30 },
  ];
  g.processElement("a", 1, 15, windows);
  g.processElement("a", 2, 15, windows); // same list, same states
  g.advanceInputWatermark(20); // [0, 20) fires and is garbage-collected
  g.processElement("a", 4, 15, windows); // same list: [0, 20) expired, [10, 30) still takes it
  g.advanceInputWatermark(Infinity);
  expect(firings).toEqual(["a[0,20)=3", "a[10,30)=7"]);
  expect(late.map((l) => [l.value, l.reason, l.windows])).toEqual([[4, "EXPIRED_WINDOW", [{ start: 0, end: 20 }]]]);
  expect(g.liveStateCount()).toBe(0);
});
