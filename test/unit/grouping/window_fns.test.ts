import { END_OF_GLOBAL_WINDOW } from "../../../model/model";
import { assignWindows, assignsToOneWindow, GLOBAL_WINDOW, maxTimestamp } from "../../../model/window_fns";
import { sec } from "./harness";

const iv = (ws: { start: number; end: number }[]): [number, number][] => ws.map((w) => [w.start, w.end]);

describe("fixed windows", () => {
  const fixed = (size: number, offset = 0) => ({ kind: "fixed", size, offset }) as const;
  test("boundaries: start is in the window, end is not", () => {
    expect(iv(assignWindows(fixed(sec(10)), 0))).toEqual([[0, sec(10)]]);
    expect(iv(assignWindows(fixed(sec(10)), sec(10) - 1))).toEqual([[0, sec(10)]]);
    expect(iv(assignWindows(fixed(sec(10)), sec(10)))).toEqual([[sec(10), sec(20)]]);
  });
  test("with an offset", () => {
    expect(iv(assignWindows(fixed(sec(10), sec(3)), sec(3)))).toEqual([[sec(3), sec(13)]]);
    expect(iv(assignWindows(fixed(sec(10), sec(3)), sec(2)))).toEqual([[-sec(7), sec(3)]]);
  });
  test("negative timestamps", () => {
    expect(iv(assignWindows(fixed(sec(10)), -1))).toEqual([[-sec(10), 0]]);
  });
  test("maxTimestamp is end - 1", () => {
    expect(maxTimestamp(assignWindows(fixed(sec(10)), 5)[0])).toBe(sec(10) - 1);
  });
});

describe("sliding windows", () => {
  const sliding = (size: number, period: number, offset = 0) => ({ kind: "sliding", size, period, offset }) as const;
  test("size/period windows, every one containing the timestamp", () => {
    const ws = assignWindows(sliding(sec(60), sec(10)), sec(65));
    expect(ws).toHaveLength(6);
    for (const w of ws) expect(w.start <= sec(65) && sec(65) < w.end).toBe(true);
    expect(iv(ws)[0]).toEqual([sec(10), sec(70)]);
    expect(iv(ws)[5]).toEqual([sec(60), sec(120)]);
  });
  test("at a period boundary the timestamp starts a window and leaves the oldest", () => {
    expect(iv(assignWindows(sliding(sec(30), sec(10)), sec(20)))).toEqual([
      [0, sec(30)],
      [sec(10), sec(40)],
      [sec(20), sec(50)],
    ]);
    expect(iv(assignWindows(sliding(sec(30), sec(10)), sec(20) - 1))).toEqual([
      [-sec(10), sec(20)],
      [0, sec(30)],
      [sec(10), sec(40)],
    ]);
  });
  test("a size that is not a multiple of the period, an offset, and gaps when period > size", () => {
    expect(iv(assignWindows(sliding(sec(25), sec(10)), sec(5)))).toEqual([
      [-sec(10), sec(15)],
      [0, sec(25)],
    ]);
    expect(iv(assignWindows(sliding(sec(20), sec(10), sec(5)), sec(5)))).toEqual([
      [-sec(5), sec(15)],
      [sec(5), sec(25)],
    ]);
    expect(assignWindows(sliding(sec(5), sec(10)), sec(7))).toEqual([]);
    expect(iv(assignWindows(sliding(sec(5), sec(10)), sec(3)))).toEqual([[0, sec(5)]]);
  });
  test("only sliding windows with period < size assign several windows", () => {
    expect(assignsToOneWindow(sliding(sec(30), sec(10)))).toBe(false);
    expect(assignsToOneWindow(sliding(sec(10), sec(10)))).toBe(true);
    expect(assignsToOneWindow({ kind: "sessions", gap: 1 })).toBe(true);
  });
});

describe("sessions and global", () => {
  test("a session proto-window is [ts, ts + gap)", () => {
    expect(iv(assignWindows({ kind: "sessions", gap: sec(30) }, sec(7)))).toEqual([[sec(7), sec(37)]]);
  });
  test("the global window ends at END_OF_GLOBAL_WINDOW", () => {
    expect(assignWindows({ kind: "global" }, 123)).toEqual([GLOBAL_WINDOW]);
    expect(maxTimestamp(GLOBAL_WINDOW)).toBe(END_OF_GLOBAL_WINDOW);
  });
});
