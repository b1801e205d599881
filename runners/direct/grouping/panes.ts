/**
 * Pane bookkeeping (Beam Java PaneInfoTracker): what the next pane of a window is, given the previous one and the
 * watermarks when it fires.
 *
 * - index counts the panes the window emitted; isFirst is index 0; isLast is set on the pane that finishes the window
 *   (the trigger finished, or garbage collection).
 * - timing: LATE once a non-EARLY pane was emitted or when the window's maxTimestamp is before the output watermark
 *   (no timestamp could make it on time downstream); EARLY while the input watermark has not passed the window's
 *   maxTimestamp; otherwise ON_TIME (at most one per window).
 * - nonSpeculativeIndex is -1 for EARLY panes and counts the ON_TIME and LATE panes otherwise.
 */
import type { Millis, Pane, Timing } from "../../../model/model";

export function nextPane(
  previous: Pane | undefined,
  isFinal: boolean,
  windowMaxTimestamp: Millis,
  inputWatermark: Millis,
  outputWatermark: Millis,
): Pane {
  const isFirst = previous === undefined;
  const index = isFirst ? 0 : previous.index + 1;
  let nonSpeculativeIndex = isFirst ? 0 : previous.nonSpeculativeIndex + 1;
  const isLateForOutput = windowMaxTimestamp < outputWatermark;
  const onlyEarlyPanesSoFar = isFirst || previous.timing === "EARLY";
  const isEarlyForInput = !(inputWatermark > windowMaxTimestamp);
  let timing: Timing;
  if (isLateForOutput || !onlyEarlyPanesSoFar) {
    timing = "LATE";
  } else if (isEarlyForInput) {
    timing = "EARLY";
    nonSpeculativeIndex = -1;
  } else {
    timing = "ON_TIME";
  }
  return { timing, isFirst, isLast: isFinal, index, nonSpeculativeIndex };
}
