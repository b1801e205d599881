import { cleanupTime, isLate, isLateButKept, isWindowLate } from "../../../runners/direct/grouping/lateness";
import { END_OF_GLOBAL_WINDOW, type Pane } from "../../../model/model";
import { nextPane } from "../../../runners/direct/grouping/panes";
import { GLOBAL_WINDOW } from "../../../model/window_fns";
import { sec } from "./harness";

const W = { start: 0, end: sec(10) }; // maxTimestamp 9_999

describe("lateness at exact boundaries", () => {
  test("late once the watermark is past maxTimestamp", () => {
    expect(isLate(W, sec(10) - 1)).toBe(false);
    expect(isLate(W, sec(10))).toBe(true);
  });
  test("droppable once maxTimestamp + allowedLateness < watermark", () => {
    expect(isWindowLate(W, sec(5), sec(15) - 1)).toBe(false);
    expect(isWindowLate(W, sec(5), sec(15))).toBe(true);
    expect(isWindowLate(W, 0, sec(10) - 1)).toBe(false);
    expect(isWindowLate(W, 0, sec(10))).toBe(true);
  });
  test("late but kept: past the end of the window, not past its cleanup time", () => {
    expect(isLateButKept(W, sec(5), sec(10) - 1)).toBe(false);
    expect(isLateButKept(W, sec(5), sec(10))).toBe(true);
    expect(isLateButKept(W, sec(5), sec(15) - 1)).toBe(true);
    expect(isLateButKept(W, sec(5), sec(15))).toBe(false);
  });
  test("the global window expires at its cleanup time, whatever the allowed lateness", () => {
    expect(isWindowLate(GLOBAL_WINDOW, sec(5), END_OF_GLOBAL_WINDOW)).toBe(false);
    expect(isWindowLate(GLOBAL_WINDOW, sec(5), END_OF_GLOBAL_WINDOW + 1000)).toBe(true);
  });
  test("garbage collection at maxTimestamp + allowedLateness, capped at the end of the global window", () => {
    expect(cleanupTime(W, sec(5))).toBe(sec(15) - 1);
    expect(cleanupTime(GLOBAL_WINDOW, sec(5))).toBe(END_OF_GLOBAL_WINDOW);
    expect(cleanupTime({ start: 0, end: END_OF_GLOBAL_WINDOW }, sec(5))).toBe(END_OF_GLOBAL_WINDOW);
  });
});

describe("pane bookkeeping", () => {
  const MAX = sec(10) - 1;
  test("EARLY panes while the input watermark has not passed the window; then one ON_TIME; then LATE", () => {
    const p0 = nextPane(undefined, false, MAX, sec(5), sec(5));
    expect(p0).toEqual<Pane>({ timing: "EARLY", isFirst: true, isLast: false, index: 0, nonSpeculativeIndex: -1 });
    const p1 = nextPane(p0, false, MAX, MAX, MAX);
    expect(p1).toEqual<Pane>({ timing: "EARLY", isFirst: false, isLast: false, index: 1, nonSpeculativeIndex: -1 });
    const p2 = nextPane(p1, false, MAX, sec(10), MAX);
    expect(p2).toEqual<Pane>({ timing: "ON_TIME", isFirst: false, isLast: false, index: 2, nonSpeculativeIndex: 0 });
    const p3 = nextPane(p2, true, MAX, sec(12), sec(12));
    expect(p3).toEqual<Pane>({ timing: "LATE", isFirst: false, isLast: true, index: 3, nonSpeculativeIndex: 1 });
  });
  test("a first pane is LATE when the output watermark already passed the window (no ON_TIME possible)", () => {
    expect(nextPane(undefined, false, MAX, sec(20), sec(10))).toEqual<Pane>({
      timing: "LATE",
      isFirst: true,
      isLast: false,
      index: 0,
      nonSpeculativeIndex: 0,
    });
  });
  test("a first pane after the input watermark passed but while the output watermark is held is ON_TIME", () => {
    expect(nextPane(undefined, true, MAX, sec(20), MAX).timing).toBe("ON_TIME");
  });
});
