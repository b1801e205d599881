/** The pane assertions themselves: they pass on a match and fail with a readable diff otherwise. */
import { assertPanes, window, type CapturedElement } from "../../../transforms";

const W = window(0, 600_000);
const pane = (timing: "EARLY" | "ON_TIME" | "LATE", index: number, isLast = false) => ({
  timing,
  index,
  isFirst: index === 0,
  isLast,
  nonSpeculativeIndex: timing === "EARLY" ? -1 : index,
});
const captured: CapturedElement<{ key: string; value: number }>[] = [
  { value: { key: "espresso", value: 1 }, timestamp: 599_999, window: W, pane: pane("EARLY", 0) },
  { value: { key: "espresso", value: 3 }, timestamp: 599_999, window: W, pane: pane("ON_TIME", 1) },
  { value: { key: "espresso", value: 7 }, timestamp: 599_999, window: W, pane: pane("LATE", 2, true) },
];

test("matching panes pass", () => {
  assertPanes(captured).inEarlyPanes(W).containsInAnyOrder({ key: "espresso", value: 1 });
  assertPanes(captured).inOnTimePane(W).containsInAnyOrder({ key: "espresso", value: 3 });
  assertPanes(captured).inLatePanes(W).containsInAnyOrder({ value: 7, key: "espresso" });
  assertPanes(captured).inFinalPane(W).containsInAnyOrder({ key: "espresso", value: 7 });
  assertPanes(captured).inWindow(window(600_000, 1_200_000)).isEmpty();
});

test("a mismatch fails with expected, missing, unexpected and every captured pane", () => {
  let message = "";
  try {
    assertPanes(captured).inOnTimePane(W).containsInAnyOrder({ key: "espresso", value: 4 });
  } catch (error) {
    message = (error as Error).message;
  }
  expect(message).toContain("in the on-time pane of [0, 600000)");
  expect(message).toContain('- {"key":"espresso","value":4}');
  expect(message).toContain('+ {"key":"espresso","value":3}');
  expect(message).toContain("pane LATE#2 (last)");
});

test("two on-time panes for one key in one window is itself a failure", () => {
  const twice = [captured[1], { ...captured[1], value: { key: "espresso", value: 5 } }];
  expect(() => assertPanes(twice).inOnTimePane(W)).toThrow(/at most one on-time pane per key/);
});
