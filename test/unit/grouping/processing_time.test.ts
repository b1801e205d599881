/** Processing-time triggers and the runner's clock. */
import { createKeyedGrouping } from "../../../runners/direct/grouping/keyed_grouping";
import type { Firing, Millis, WindowingSpec } from "../../../model/model";
import { assignWindows } from "../../../model/window_fns";
import { listOf, sec, spec } from "./harness";

const ALICE = "alice";
const ws: WindowingSpec = spec(
  { kind: "fixed", size: sec(60), offset: 0 },
  { trigger: { kind: "repeatedly", trigger: { kind: "afterProcessingTime", delay: sec(5) } } },
);

function withClock(clock: { now: Millis }) {
  const firings: Firing<string, number[]>[] = [];
  const g = createKeyedGrouping<string, number, number[], number[]>(
    ws,
    listOf,
    (k) => k,
    { firing: (f) => firings.push(f), late: () => undefined },
    { clock: () => clock.now },
  );
  const add = (ts: Millis): void => g.processElement(ALICE, ts, ts, assignWindows(ws.windowFn, ts));
  return { g, firings, add };
}

test("the delay starts at the clock's time when the pane's first element arrives", () => {
  const clock = { now: sec(100) };
  const { g, firings, add } = withClock(clock);
  add(sec(1));
  expect(g.nextProcessingTimeTimer()).toBe(sec(105) + 1);
  clock.now = sec(103);
  add(sec(2)); // same pane: the delay is not restarted
  g.advanceProcessingTime(sec(105));
  expect(firings).toEqual([]);
  g.advanceProcessingTime(sec(105) + 1);
  expect(firings.map((f) => [f.value, f.pane.timing, f.pane.index])).toEqual([[[sec(1), sec(2)], "EARLY", 0]]);
  expect(g.nextProcessingTimeTimer()).toBeUndefined();
});

test("each pane starts a new delay (repeatedly)", () => {
  const clock = { now: 0 };
  const { g, firings, add } = withClock(clock);
  add(sec(1));
  clock.now = sec(6);
  g.advanceProcessingTime(clock.now);
  clock.now = sec(20);
  add(sec(2));
  expect(g.nextProcessingTimeTimer()).toBe(sec(25) + 1);
  g.advanceProcessingTime(sec(25) + 1);
  expect(firings.map((f) => f.value)).toEqual([[sec(1)], [sec(2)]]);
});

test("processing-time timers of windows past garbage collection are ignored", () => {
  const clock = { now: 0 };
  const { g, firings, add } = withClock(clock);
  add(sec(1));
  g.advanceInputWatermark(sec(60));
  expect(firings.map((f) => f.pane.timing)).toEqual(["ON_TIME"]); // final pane at GC (no allowed lateness)
  g.advanceProcessingTime(sec(10));
  expect(firings).toHaveLength(1);
  expect(g.nextProcessingTimeTimer()).toBeUndefined();
});
