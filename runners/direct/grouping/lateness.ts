/**
 * Lateness rules, each written once and called by name from every place that decides it (Flink's WindowOperator:
 * `cleanupTime`, `isWindowLate`, `isElementLate`; Beam Java's LateDataUtils / LateDataDroppingDoFnRunner). Pure
 * functions of a window, the allowed lateness and the input watermark. A watermark W has "passed" time t when
 * W > t (Beam's timers fire when the watermark is strictly after their time).
 */
import { END_OF_GLOBAL_WINDOW, type Millis, type Window } from "../../../model/model";

/** Late: the input watermark has passed the window's end (its maxTimestamp = end - 1). */
export function isLate(window: Window, inputWatermark: Millis): boolean {
  return isPastEndOfWindow(window.end - 1, inputWatermark);
}

/** `isLate` on a window's maxTimestamp: the end-of-window moment is behind the input watermark. */
export function isPastEndOfWindow(windowMaxTimestamp: Millis, inputWatermark: Millis): boolean {
  return inputWatermark > windowMaxTimestamp;
}

/**
 * When the window's state is garbage-collected and its final pane emitted: maxTimestamp + allowedLateness, capped at
 * the end of the global window (Flink's cleanupTime, Beam's LateDataUtils.garbageCollectionTime). Fires when the
 * watermark passes it.
 */
export function cleanupTime(window: Window, allowedLateness: Millis): Millis {
  const maxTs = window.end - 1;
  return maxTs > END_OF_GLOBAL_WINDOW - allowedLateness ? END_OF_GLOBAL_WINDOW : maxTs + allowedLateness;
}

/**
 * Expired (Flink's isWindowLate, Beam's canDropDueToExpiredWindow): the input watermark has passed the window's
 * cleanup time. Its state is (or is due to be) garbage-collected; an element for it can no longer update it and
 * goes to the late output (EXPIRED_WINDOW); its processing-time timers are ignored.
 */
export function isExpired(windowCleanupTime: Millis, inputWatermark: Millis): boolean {
  return inputWatermark > windowCleanupTime;
}

/** `isExpired` for a window not yet in state: droppable, its element goes to the late output. */
export function isWindowLate(window: Window, allowedLateness: Millis, inputWatermark: Millis): boolean {
  return isExpired(cleanupTime(window, allowedLateness), inputWatermark);
}

/**
 * Late but kept: the input watermark passed the window's end but not its cleanup time, so an element for it is
 * behind the watermark yet still updates it (the step's "late elements" figure; Flink counts the opposite,
 * isElementLate, as skipped).
 */
export function isLateButKept(window: Window, allowedLateness: Millis, inputWatermark: Millis): boolean {
  return isLate(window, inputWatermark) && !isWindowLate(window, allowedLateness, inputWatermark);
}
