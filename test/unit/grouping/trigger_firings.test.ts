/**
 * Each trigger kind run through the keyed grouping reducer, with named keys and times, checked against Beam
 * Java's semantics (ReduceFnRunner + the trigger state machines). Fixed 10 s windows unless said otherwise; times
 * in the harness are event-time milliseconds, processing time starts at 0.
 */
import type { TriggerSpec } from "../../../model/model";
import { WATERMARK_DONE } from "../../../model/model";
import { harness, listOf, sec, spec } from "./harness";

const ALICE = "alice";
const BOB = "bob";
const fixed10s = { kind: "fixed", size: sec(10), offset: 0 } as const;
const END_OF_FIRST_WINDOW = sec(10) - 1;
const FIRST_WINDOW: [number, number] = [0, sec(10)];

const count = (n: number): TriggerSpec => ({ kind: "afterCount", count: n });
const delay = (ms: number): TriggerSpec => ({ kind: "afterProcessingTime", delay: ms });
const repeatedly = (t: TriggerSpec): TriggerSpec => ({ kind: "repeatedly", trigger: t });
const watermark = (early?: TriggerSpec, late?: TriggerSpec): TriggerSpec => ({
  kind: "afterWatermark",
  ...(early ? { early } : {}),
  ...(late ? { late } : {}),
});

describe("repeatedly(afterCount(2))", () => {
  test("fires an EARLY pane every second element, the rest in the final ON_TIME pane at garbage collection", () => {
    const h = harness(spec(fixed10s, { trigger: repeatedly(count(2)) }), listOf);
    h.add(ALICE, sec(1));
    expect(h.take()).toEqual([]);
    h.add(ALICE, sec(2));
    expect(h.take()).toEqual([
      { key: ALICE, window: FIRST_WINDOW, value: [sec(1), sec(2)], timestamp: END_OF_FIRST_WINDOW, pane: "EARLY first #0/-1" },
    ]);
    h.add(ALICE, sec(3));
    h.watermark(sec(10));
    expect(h.take()).toEqual([
      { key: ALICE, window: FIRST_WINDOW, value: [sec(3)], timestamp: END_OF_FIRST_WINDOW, pane: "ON_TIME last #1/0" },
    ]);
    expect(h.grouping.liveStateCount()).toBe(0);
  });

  test("counts per key and window", () => {
    const h = harness(spec(fixed10s, { trigger: repeatedly(count(2)) }), listOf);
    h.add(ALICE, sec(1));
    h.add(BOB, sec(1));
    h.add(ALICE, sec(11));
    expect(h.take()).toEqual([]);
    h.add(BOB, sec(2));
    expect(h.take().map((f) => [f.key, f.window, f.value])).toEqual([[BOB, FIRST_WINDOW, [sec(1), sec(2)]]]);
  });
});

describe("afterWatermark with early and late firings", () => {
  const ws = spec(fixed10s, {
    trigger: watermark(delay(sec(5)), count(2)),
    accumulation: "ACCUMULATING",
    allowedLateness: sec(20),
  });

  test("EARLY on processing time, ON_TIME at the watermark, LATE every 2 late elements, nothing empty at GC", () => {
    const h = harness(ws, listOf);
    h.add(ALICE, sec(1));
    expect(h.grouping.nextProcessingTimeTimer()).toBe(sec(5) + 1);
    h.processingTime(sec(5));
    expect(h.take()).toEqual([]); // Beam fires once processing time is *after* first element + delay
    h.processingTime(sec(5) + 1);
    expect(h.take()).toEqual([
      { key: ALICE, window: FIRST_WINDOW, value: [sec(1)], timestamp: END_OF_FIRST_WINDOW, pane: "EARLY first #0/-1" },
    ]);
    h.add(ALICE, sec(2));
    h.watermark(sec(10));
    expect(h.take()).toEqual([
      { key: ALICE, window: FIRST_WINDOW, value: [sec(1), sec(2)], timestamp: END_OF_FIRST_WINDOW, pane: "ON_TIME #1/0" },
    ]);
    // The early trigger's timer set by the second element still fires; the early trigger is done: no pane.
    h.processingTime(sec(11));
    expect(h.take()).toEqual([]);
    h.add(ALICE, sec(3));
    expect(h.take()).toEqual([]);
    h.add(ALICE, sec(4));
    expect(h.take()).toEqual([
      {
        key: ALICE,
        window: FIRST_WINDOW,
        value: [sec(1), sec(2), sec(3), sec(4)],
        timestamp: END_OF_FIRST_WINDOW,
        pane: "LATE #2/1",
      },
    ]);
    h.watermark(sec(30) - 1); // GC time is maxTimestamp + 20 s = 29_999: not passed yet
    expect(h.grouping.liveStateCount()).toBe(1);
    h.watermark(sec(30));
    expect(h.take()).toEqual([]);
    expect(h.grouping.liveStateCount()).toBe(0);
  });

  test("with closing behavior FIRE_ALWAYS the final pane at garbage collection is emitted even when empty", () => {
    const h = harness({ ...ws, closingBehavior: "FIRE_ALWAYS" }, listOf);
    h.add(ALICE, sec(1));
    h.watermark(sec(10));
    h.watermark(WATERMARK_DONE);
    expect(h.take()).toEqual([
      { key: ALICE, window: FIRST_WINDOW, value: [sec(1)], timestamp: END_OF_FIRST_WINDOW, pane: "ON_TIME first #0/0" },
      { key: ALICE, window: FIRST_WINDOW, value: [sec(1)], timestamp: END_OF_FIRST_WINDOW, pane: "LATE last #1/1" },
    ]);
  });

  test("without late firings the trigger finishes at the end of the window: late data is CLOSED_WINDOW", () => {
    const h = harness(spec(fixed10s, { trigger: watermark(count(1)), allowedLateness: sec(20) }), listOf);
    h.add(ALICE, sec(1));
    expect(h.take().map((f) => f.pane)).toEqual(["EARLY first #0/-1"]);
    h.add(ALICE, sec(2));
    expect(h.take().map((f) => [f.value, f.pane])).toEqual([[[sec(2)], "EARLY #1/-1"]]);
    h.watermark(sec(10));
    // The ON_TIME firing finishes the trigger; its pane is empty and on-time behavior is FIRE_IF_NON_EMPTY.
    expect(h.take()).toEqual([]);
    h.add(ALICE, sec(3));
    expect(h.takeLate()).toEqual([{ key: ALICE, value: sec(3), windows: [FIRST_WINDOW], reason: "CLOSED_WINDOW" }]);
    expect(h.grouping.liveStateCount()).toBe(1); // the closed window is remembered until garbage collection
    h.watermark(sec(30));
    expect(h.grouping.liveStateCount()).toBe(0);
  });
});

describe("finishing triggers", () => {
  test("afterCount(1) alone fires one final EARLY pane; later data for the window goes out as CLOSED_WINDOW", () => {
    const h = harness(spec(fixed10s, { trigger: count(1) }), listOf);
    h.add(ALICE, sec(1));
    expect(h.take().map((f) => [f.value, f.pane])).toEqual([[[sec(1)], "EARLY first last #0/-1"]]);
    h.add(ALICE, sec(2));
    expect(h.take()).toEqual([]);
    expect(h.takeLate()).toEqual([{ key: ALICE, value: sec(2), windows: [FIRST_WINDOW], reason: "CLOSED_WINDOW" }]);
    h.watermark(sec(10));
    expect(h.take()).toEqual([]);
    expect(h.grouping.liveStateCount()).toBe(0);
  });

  test("orFinally(repeatedly(afterCount(2)), afterWatermark()) fires on counts, then finally at the watermark", () => {
    const h = harness(
      spec(fixed10s, { trigger: { kind: "orFinally", main: repeatedly(count(2)), until: watermark() }, allowedLateness: sec(10) }),
      listOf,
    );
    h.add(ALICE, sec(1));
    h.add(ALICE, sec(2));
    h.add(ALICE, sec(3));
    expect(h.take().map((f) => [f.value, f.pane])).toEqual([[[sec(1), sec(2)], "EARLY first #0/-1"]]);
    h.watermark(sec(10));
    expect(h.take().map((f) => [f.value, f.pane])).toEqual([[[sec(3)], "ON_TIME last #1/0"]]);
    h.add(ALICE, sec(4));
    expect(h.takeLate().map((l) => l.reason)).toEqual(["CLOSED_WINDOW"]);
  });

  test("afterEach(afterCount(2), afterWatermark()) counts first, then waits for the watermark", () => {
    const h = harness(spec(fixed10s, { trigger: { kind: "afterEach", triggers: [count(2), watermark()] } }), listOf);
    h.add(ALICE, sec(1));
    h.add(ALICE, sec(2));
    expect(h.take().map((f) => [f.value, f.pane])).toEqual([[[sec(1), sec(2)], "EARLY first #0/-1"]]);
    h.add(ALICE, sec(3));
    h.add(ALICE, sec(4));
    expect(h.take()).toEqual([]); // afterCount is done; afterWatermark is in charge
    h.watermark(sec(10));
    expect(h.take().map((f) => [f.value, f.pane])).toEqual([[[sec(3), sec(4)], "ON_TIME last #1/0"]]);
  });
});

describe("afterAny / afterAll", () => {
  test("repeatedly(afterAny(afterCount(3), afterProcessingTime(1s))) fires on whichever comes first", () => {
    const h = harness(spec(fixed10s, { trigger: repeatedly({ kind: "afterAny", triggers: [count(3), delay(sec(1))] }) }), listOf);
    h.add(ALICE, sec(1));
    h.processingTime(sec(1) + 1);
    expect(h.take().map((f) => [f.value, f.pane])).toEqual([[[sec(1)], "EARLY first #0/-1"]]);
    h.add(ALICE, sec(2));
    h.add(ALICE, sec(3));
    h.add(ALICE, sec(4));
    expect(h.take().map((f) => [f.value, f.pane])).toEqual([[[sec(2), sec(3), sec(4)], "EARLY #1/-1"]]);
    // The delay started by sec(2) was reset when the pane fired: its timer fires with nothing to do.
    h.processingTime(sec(3));
    expect(h.take()).toEqual([]);
  });

  test("repeatedly(afterAll(afterCount(2), afterProcessingTime(1s))) needs both", () => {
    const h = harness(spec(fixed10s, { trigger: repeatedly({ kind: "afterAll", triggers: [count(2), delay(sec(1))] }) }), listOf);
    h.add(ALICE, sec(1));
    h.processingTime(sec(5));
    expect(h.take()).toEqual([]);
    h.add(ALICE, sec(2));
    expect(h.take().map((f) => [f.value, f.pane])).toEqual([[[sec(1), sec(2)], "EARLY first #0/-1"]]);
  });
});

describe("never / always", () => {
  test("never(): everything comes out in the final pane at garbage collection, ON_TIME", () => {
    const h = harness(spec(fixed10s, { trigger: { kind: "never" }, allowedLateness: sec(5) }), listOf);
    h.add(ALICE, sec(1));
    h.watermark(sec(10));
    expect(h.take()).toEqual([]);
    h.add(ALICE, sec(2)); // late but within allowed lateness
    h.watermark(sec(15));
    expect(h.take()).toEqual([
      { key: ALICE, window: FIRST_WINDOW, value: [sec(1), sec(2)], timestamp: END_OF_FIRST_WINDOW, pane: "ON_TIME first last #0/0" },
    ]);
  });

  test("always(): a pane per element; an empty ON_TIME pane only with on-time behavior FIRE_ALWAYS", () => {
    const ifNonEmpty = harness(spec(fixed10s, { trigger: { kind: "always" } }), listOf);
    const fireAlways = harness(spec(fixed10s, { trigger: { kind: "always" }, onTimeBehavior: "FIRE_ALWAYS" }), listOf);
    for (const h of [ifNonEmpty, fireAlways]) {
      h.add(ALICE, sec(1));
      h.add(ALICE, sec(2));
      expect(h.take().map((f) => [f.value, f.pane])).toEqual([
        [[sec(1)], "EARLY first #0/-1"],
        [[sec(2)], "EARLY #1/-1"],
      ]);
      h.watermark(sec(10));
    }
    expect(ifNonEmpty.take()).toEqual([]);
    expect(fireAlways.take().map((f) => [f.value, f.pane])).toEqual([[[], "ON_TIME last #2/0"]]);
  });
});

describe("default trigger: on-time behavior", () => {
  test("an ON_TIME pane is emitted empty under FIRE_ALWAYS when earlier panes took the data (discarding)", () => {
    const h = harness(
      spec(fixed10s, { trigger: watermark(count(1)), onTimeBehavior: "FIRE_ALWAYS" }),
      listOf,
    );
    h.add(ALICE, sec(1));
    h.watermark(sec(10));
    expect(h.take().map((f) => [f.value, f.pane])).toEqual([
      [[sec(1)], "EARLY first #0/-1"],
      [[], "ON_TIME last #1/0"],
    ]);
  });
});
