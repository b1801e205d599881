/** Test helpers: pane captures, PAssert-style pane assertions, named times. */
export { paneCapture, type PaneCapture } from "./capture";
export { assertPanes, PaneAssert, window, canonical } from "./pane_assertions";
export type { CapturedElement, CapturedPane, CapturedWindow, CapturedTiming } from "./captured";
export { BEGINNING, seconds, minutes, hours } from "./time";
