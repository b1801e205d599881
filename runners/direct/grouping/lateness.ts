/**
 * Lateness rules (Beam Java LateDataUtils / ReduceFnRunner), pure functions of a window, the allowed lateness and
 * the input watermark. A watermark W has "passed" time t when W > t (Beam's timers fire when the watermark is
 * strictly after their time).
 */
import { END_OF_GLOBAL_WINDOW, type Millis, type Window } from "../../../model/model";

/** Late: the input watermark has passed the window's end (its maxTimestamp = end - 1). */
export function isLate(window: Window, inputWatermark: Millis): boolean {
  return inputWatermark > window.end - 1;
}

/**
 * Droppable ("expired"): `window.maxTimestamp + allowedLateness < inputWatermark` (Beam's
 * LateDataDroppingDoFnRunner); such an element can no longer update the window and goes to the late output.
 */
export function isDroppable(window: Window, allowedLateness: Millis, inputWatermark: Millis): boolean {
  return window.end - 1 + allowedLateness < inputWatermark;
}

/**
 * When the window's state is garbage-collected and its final pane emitted: maxTimestamp + allowedLateness, capped at
 * the end of the global window (Beam's LateDataUtils.garbageCollectionTime). Fires when the watermark passes it.
 */
export function garbageCollectionTime(window: Window, allowedLateness: Millis): Millis {
  const maxTs = window.end - 1;
  return maxTs > END_OF_GLOBAL_WINDOW - allowedLateness ? END_OF_GLOBAL_WINDOW : maxTs + allowedLateness;
}
