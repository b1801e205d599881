import { planSessionMerge, type SessionCandidate } from "../../../runners/direct/grouping/session_merging";

const open = (start: number, end: number): SessionCandidate => ({ window: { start, end }, closed: false });
const closed = (start: number, end: number): SessionCandidate => ({ window: { start, end }, closed: true });

test("no overlap: a new session", () => {
  expect(planSessionMerge([open(0, 10)], { start: 20, end: 30 })).toEqual({ kind: "new" });
  expect(planSessionMerge([], { start: 20, end: 30 })).toEqual({ kind: "new" });
});

test("touching windows do not overlap", () => {
  expect(planSessionMerge([open(0, 10)], { start: 10, end: 20 })).toEqual({ kind: "new" });
});

test("inside one open session: nothing merges", () => {
  const s = open(0, 20);
  expect(planSessionMerge([s], { start: 5, end: 15 })).toEqual({ kind: "inside", window: s });
});

test("extending one session: a merge into a new span", () => {
  const s = open(0, 10);
  expect(planSessionMerge([s], { start: 5, end: 15 })).toEqual({
    kind: "merge",
    span: { start: 0, end: 15 },
    sources: [s],
    existing: undefined,
  });
});

test("bridging two sessions merges both into their span", () => {
  const a = open(0, 10);
  const b = open(20, 30);
  const c = open(40, 50);
  expect(planSessionMerge([a, b, c], { start: 8, end: 22 })).toEqual({
    kind: "merge",
    span: { start: 0, end: 30 },
    sources: [a, b],
    existing: undefined,
  });
});

test("a merge whose span is an existing session keeps it as the target", () => {
  const big = open(0, 30);
  const small = open(35, 45);
  expect(planSessionMerge([big, small], { start: 25, end: 36 })).toMatchObject({ kind: "merge", span: { start: 0, end: 45 } });
  const a = open(0, 30);
  const b = open(28, 30); // not a real state of open sessions, but checks the target choice
  expect(planSessionMerge([a, b], { start: 5, end: 29 })).toMatchObject({ kind: "merge", existing: a });
});

test("closed sessions never merge; a proto-window equal to one is late for it", () => {
  const done = closed(0, 10);
  expect(planSessionMerge([done], { start: 5, end: 15 })).toEqual({ kind: "new" });
  expect(planSessionMerge([done], { start: 0, end: 10 })).toEqual({ kind: "closed", window: done });
  const live = open(12, 22);
  expect(planSessionMerge([done, live], { start: 0, end: 10 })).toEqual({ kind: "closed", window: done });
  expect(planSessionMerge([done, live], { start: 5, end: 15 })).toEqual({
    kind: "merge",
    span: { start: 5, end: 22 },
    sources: [live],
    existing: undefined,
  });
});
