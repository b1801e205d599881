/** Session windows with early and late firings: trigger state merges with the windows (Beam Java semantics). */
import type { TriggerSpec } from "../../../model/model";
import { harness, listOf, sec, spec } from "./harness";

const ALICE = "alice";
const BOB = "bob";
const count = (n: number): TriggerSpec => ({ kind: "afterCount", count: n });

const ws = spec(
  { kind: "sessions", gap: sec(10) },
  {
    trigger: { kind: "afterWatermark", early: count(2), late: count(1) },
    accumulation: "ACCUMULATING",
    allowedLateness: sec(30),
    onTimeBehavior: "FIRE_ALWAYS",
  },
);

test("early counts add up across merged sessions, ON_TIME at the watermark, LATE per late element, then GC and drop", () => {
  const h = harness(ws, listOf);
  h.add(ALICE, sec(1));
  expect(h.take()).toEqual([]);
  // [5, 15) merges with [1, 11): the merged window's early count is 1 + this element = 2.
  h.add(ALICE, sec(5));
  expect(h.take()).toEqual([
    { key: ALICE, window: [sec(1), sec(15)], value: [sec(1), sec(5)], timestamp: sec(15) - 1, pane: "EARLY first #0/-1" },
  ]);
  h.add(BOB, sec(3));
  h.add(ALICE, sec(20));
  expect(h.take()).toEqual([]);
  expect(h.grouping.liveStateCount()).toBe(3);
  // [12, 22) bridges alice's two sessions: one new window [1, 30) with a fresh pane history.
  h.add(ALICE, sec(12));
  expect(h.grouping.liveStateCount()).toBe(2);
  expect(h.take()).toEqual([
    {
      key: ALICE,
      window: [sec(1), sec(30)],
      value: [sec(1), sec(5), sec(12), sec(20)],
      timestamp: sec(30) - 1,
      pane: "EARLY first #0/-1",
    },
  ]);
  h.watermark(sec(30));
  expect(h.take()).toEqual([
    { key: BOB, window: [sec(3), sec(13)], value: [sec(3)], timestamp: sec(13) - 1, pane: "ON_TIME first #0/0" },
    {
      key: ALICE,
      window: [sec(1), sec(30)],
      value: [sec(1), sec(5), sec(12), sec(20)],
      timestamp: sec(30) - 1,
      pane: "ON_TIME #1/0",
    },
  ]);
  // A late element inside the session (its proto-window [8, 18) is late but not droppable).
  h.add(ALICE, sec(8));
  expect(h.take()).toEqual([
    {
      key: ALICE,
      window: [sec(1), sec(30)],
      value: [sec(1), sec(5), sec(8), sec(12), sec(20)],
      timestamp: sec(30) - 1,
      pane: "LATE #2/1",
    },
  ]);
  h.watermark(sec(61));
  expect(h.take()).toEqual([]);
  expect(h.grouping.liveStateCount()).toBe(0);
  // Proto-window [9, 19): maxTimestamp 18_999 + 30 s lateness < 61 s: droppable.
  h.add(ALICE, sec(9));
  expect(h.takeLate()).toEqual([{ key: ALICE, value: sec(9), windows: [[sec(9), sec(19)]], reason: "EXPIRED_WINDOW" }]);
  expect(h.grouping.liveStateCount()).toBe(0);
});

test("a session that closed (its trigger finished) is never merged again; later data starts a new session", () => {
  const h = harness(spec({ kind: "sessions", gap: sec(10) }, { trigger: count(2), allowedLateness: sec(30) }), listOf);
  h.add(ALICE, sec(1));
  h.add(ALICE, sec(3));
  expect(h.take().map((f) => [f.window, f.value, f.pane])).toEqual([
    [[sec(1), sec(13)], [sec(1), sec(3)], "EARLY first last #0/-1"],
  ]);
  h.add(ALICE, sec(4));
  h.add(ALICE, sec(6));
  expect(h.take().map((f) => [f.window, f.value, f.pane])).toEqual([
    [[sec(4), sec(16)], [sec(4), sec(6)], "EARLY first last #0/-1"],
  ]);
  expect(h.grouping.liveStateCount()).toBe(2);
});

test("a proto-window equal to a closed session is CLOSED_WINDOW", () => {
  const h = harness(spec({ kind: "sessions", gap: sec(10) }, { trigger: count(1), allowedLateness: sec(30) }), listOf);
  h.add(ALICE, sec(1));
  expect(h.take()).toHaveLength(1);
  h.add(ALICE, sec(1), 42);
  expect(h.takeLate()).toEqual([{ key: ALICE, value: 42, windows: [[sec(1), sec(11)]], reason: "CLOSED_WINDOW" }]);
});

test("a session extended past the watermark by a late-arriving element is re-evaluated: a new ON_TIME pane later", () => {
  const h = harness(
    spec({ kind: "sessions", gap: sec(10) }, { allowedLateness: sec(30), accumulation: "ACCUMULATING" }),
    listOf,
  );
  h.add(ALICE, sec(1));
  h.watermark(sec(12));
  expect(h.take()).toEqual([
    { key: ALICE, window: [sec(1), sec(11)], value: [sec(1)], timestamp: sec(11) - 1, pane: "ON_TIME first #0/0" },
  ]);
  // [8, 18) is not late (its end is after the watermark) and merges with the fired [1, 11) into the new [1, 18).
  h.add(ALICE, sec(8));
  expect(h.take()).toEqual([]);
  expect(h.grouping.watermarkHold()).toBe(sec(18) - 1);
  h.watermark(sec(18));
  expect(h.take()).toEqual([
    { key: ALICE, window: [sec(1), sec(18)], value: [sec(1), sec(8)], timestamp: sec(18) - 1, pane: "ON_TIME first #0/0" },
  ]);
});
