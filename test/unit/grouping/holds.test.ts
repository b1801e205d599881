/** Output timestamps by timestamp combiner, watermark holds and durability holds. */
import { WATERMARK_DONE } from "../../../model/model";
import { harness, listOf, sec, spec, sumOf } from "./harness";

const ALICE = "alice";
const BOB = "bob";
const fixed10s = { kind: "fixed", size: sec(10), offset: 0 } as const;

describe("timestamp combiners", () => {
  test("EARLIEST and LATEST output the earliest / latest element timestamp of an on-time pane", () => {
    for (const [combiner, expected] of [
      ["EARLIEST", sec(3)],
      ["LATEST", sec(7)],
      ["END_OF_WINDOW", sec(10) - 1],
    ] as const) {
      const h = harness(spec(fixed10s, { timestampCombiner: combiner }), sumOf);
      h.add(ALICE, sec(7));
      h.add(ALICE, sec(3));
      h.add(ALICE, sec(5));
      h.watermark(sec(10));
      expect(h.take().map((f) => [combiner, f.timestamp])).toEqual([[combiner, expected]]);
    }
  });

  test("a LATE pane is timestamped at the end of the window whatever the combiner (late data holds nothing)", () => {
    const h = harness(spec(fixed10s, { timestampCombiner: "EARLIEST", allowedLateness: sec(10) }), listOf);
    h.add(ALICE, sec(4));
    h.watermark(sec(10));
    expect(h.take().map((f) => [f.timestamp, f.pane])).toEqual([[sec(4), "ON_TIME first #0/0"]]);
    h.add(ALICE, sec(2));
    expect(h.take().map((f) => [f.timestamp, f.pane])).toEqual([[sec(10) - 1, "LATE #1/1"]]);
  });
});

describe("watermark holds", () => {
  test("EARLIEST holds the output watermark at the earliest buffered element, per window", () => {
    const h = harness(spec(fixed10s, { timestampCombiner: "EARLIEST" }), sumOf);
    h.add(ALICE, sec(7));
    h.add(BOB, sec(14));
    expect(h.grouping.watermarkHold()).toBe(sec(7));
    h.add(ALICE, sec(3));
    expect(h.grouping.watermarkHold()).toBe(sec(3));
    h.watermark(sec(10));
    expect(h.grouping.watermarkHold()).toBe(sec(14));
    h.watermark(sec(20));
    expect(h.grouping.watermarkHold()).toBe(WATERMARK_DONE);
  });

  test("a late element within allowed lateness (closing FIRE_ALWAYS) holds at GC time until the final pane", () => {
    const h = harness(
      spec(fixed10s, { trigger: { kind: "never" }, allowedLateness: sec(5), closingBehavior: "FIRE_ALWAYS" }),
      sumOf,
    );
    h.watermark(sec(12));
    h.add(ALICE, sec(2));
    // Too late for an element hold (window end passed): the hold is at GC time, maxTimestamp + 5 s.
    expect(h.grouping.watermarkHold()).toBe(sec(15) - 1);
    h.watermark(sec(15));
    expect(h.take().map((f) => [f.value, f.timestamp, f.pane])).toEqual([[sec(2), sec(10) - 1, "LATE first last #0/0"]]);
    expect(h.grouping.watermarkHold()).toBe(WATERMARK_DONE);
  });

  test("a session's hold moves to the end of the merged window", () => {
    const h = harness(spec({ kind: "sessions", gap: sec(10) }), sumOf);
    h.add(ALICE, sec(1));
    expect(h.grouping.watermarkHold()).toBe(sec(11) - 1);
    h.add(ALICE, sec(9));
    expect(h.grouping.watermarkHold()).toBe(sec(19) - 1);
  });
});

describe("durability hold: the earliest element still needed by live state", () => {
  test("discarding: released when the pane fires", () => {
    const h = harness(spec(fixed10s, { allowedLateness: sec(30) }), sumOf);
    expect(h.grouping.durabilityHold()).toBe(WATERMARK_DONE);
    h.add(ALICE, sec(7));
    h.add(ALICE, sec(3));
    h.add(BOB, sec(12));
    expect(h.grouping.durabilityHold()).toBe(sec(3));
    h.watermark(sec(10));
    expect(h.grouping.durabilityHold()).toBe(sec(12));
  });

  test("accumulating: kept until garbage collection, since later panes re-emit the data", () => {
    const h = harness(spec(fixed10s, { allowedLateness: sec(30), accumulation: "ACCUMULATING" }), sumOf);
    h.add(ALICE, sec(3));
    h.watermark(sec(10));
    expect(h.take()).toHaveLength(1);
    expect(h.grouping.durabilityHold()).toBe(sec(3));
    h.watermark(sec(40));
    expect(h.grouping.durabilityHold()).toBe(WATERMARK_DONE);
    expect(h.grouping.liveStateCount()).toBe(0);
  });
});

describe("watermark contract", () => {
  test("a watermark moving backwards is an error that says what to do", () => {
    const h = harness(spec(fixed10s), sumOf);
    h.watermark(sec(10));
    expect(() => h.watermark(sec(5))).toThrow(/moved backwards from 10000 to 5000.*never lower it/);
  });
});
