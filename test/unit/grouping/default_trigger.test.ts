import { WATERMARK_DONE } from "../../../model/model";
import { BEGINNING, harness, listOf, sec, spec, sumOf } from "./harness";

const ALICE = "alice";
const BOB = "bob";
const fixed10s = { kind: "fixed", size: sec(10), offset: 0 } as const;

describe("default trigger, fixed windows, no allowed lateness", () => {
  test("one ON_TIME pane per key and window when the watermark passes the window end, timestamped at its end", () => {
    const h = harness(spec(fixed10s), listOf);
    h.add(ALICE, sec(1));
    h.add(ALICE, sec(4));
    h.add(BOB, sec(2));
    h.add(ALICE, sec(12));
    h.watermark(sec(9));
    expect(h.take()).toEqual([]);
    h.watermark(sec(10));
    expect(h.take()).toEqual([
      { key: ALICE, window: [0, sec(10)], value: [sec(1), sec(4)], timestamp: sec(10) - 1, pane: "ON_TIME first last #0/0" },
      { key: BOB, window: [0, sec(10)], value: [sec(2)], timestamp: sec(10) - 1, pane: "ON_TIME first last #0/0" },
    ]);
    expect(h.grouping.liveStateCount()).toBe(1);
    h.watermark(WATERMARK_DONE);
    expect(h.take().map((f) => f.window)).toEqual([[sec(10), sec(20)]]);
    expect(h.grouping.liveStateCount()).toBe(0);
  });

  test("an element arriving after the watermark passed its window is droppable and goes to the late output", () => {
    const h = harness(spec(fixed10s), sumOf);
    h.add(ALICE, sec(3), 5);
    h.watermark(sec(10));
    expect(h.take()).toHaveLength(1);
    h.add(ALICE, sec(9), 7);
    expect(h.take()).toEqual([]);
    expect(h.takeLate()).toEqual([{ key: ALICE, value: 7, windows: [[BEGINNING, sec(10)]], reason: "EXPIRED_WINDOW" }]);
    expect(h.late).toEqual([]);
  });

  test("the watermark hold is the end of each open window; none once all fired", () => {
    const h = harness(spec(fixed10s), sumOf);
    expect(h.grouping.watermarkHold()).toBe(WATERMARK_DONE);
    h.add(ALICE, sec(15));
    h.add(BOB, sec(3));
    expect(h.grouping.watermarkHold()).toBe(sec(10) - 1);
    h.watermark(sec(10));
    expect(h.grouping.watermarkHold()).toBe(sec(20) - 1);
    h.watermark(sec(20));
    expect(h.grouping.watermarkHold()).toBe(WATERMARK_DONE);
  });
});

describe("default trigger with allowed lateness", () => {
  const ws = spec(fixed10s, { allowedLateness: sec(5) });

  test("ON_TIME pane, then one LATE pane per late element, nothing more at garbage collection", () => {
    const h = harness(ws, listOf);
    h.add(ALICE, sec(1));
    h.watermark(sec(10));
    expect(h.take()).toEqual([
      { key: ALICE, window: [0, sec(10)], value: [sec(1)], timestamp: sec(10) - 1, pane: "ON_TIME first #0/0" },
    ]);
    h.add(ALICE, sec(2));
    expect(h.take()).toEqual([
      { key: ALICE, window: [0, sec(10)], value: [sec(2)], timestamp: sec(10) - 1, pane: "LATE #1/1" },
    ]);
    h.add(ALICE, sec(3));
    expect(h.take().map((f) => f.pane)).toEqual(["LATE #2/2"]);
    expect(h.grouping.liveStateCount()).toBe(1);
    // GC time = maxTimestamp + lateness = 14_999; the watermark must pass it.
    h.watermark(sec(15) - 1);
    expect(h.grouping.liveStateCount()).toBe(1);
    h.watermark(sec(15));
    expect(h.take()).toEqual([]);
    expect(h.grouping.liveStateCount()).toBe(0);
  });

  test("accumulating mode re-emits everything so far in each pane", () => {
    const h = harness(spec(fixed10s, { allowedLateness: sec(5), accumulation: "ACCUMULATING" }), listOf);
    h.add(ALICE, sec(1));
    h.watermark(sec(10));
    h.add(ALICE, sec(2));
    expect(h.take().map((f) => f.value)).toEqual([[sec(1)], [sec(1), sec(2)]]);
  });

  test("a late element within allowed lateness holds the output watermark at the GC time until it fires", () => {
    const h = harness(ws, sumOf);
    h.add(BOB, sec(1));
    h.watermark(sec(12));
    h.take();
    expect(h.grouping.watermarkHold()).toBe(WATERMARK_DONE);
  });
});
