/**
 * Conversions between the runner's plain-number event-time values (grouping/model.ts) and the SDK's Long-based
 * values that DoFns see through windowParam()/timestampParam()/paneInfoParam(). Only called when a DoFn looks a
 * parameter up, so the hot path stays on numbers.
 */
import Long from "long";
import { GlobalWindow, IntervalWindow, Timing } from "apache-beam/values";
import type { Instant, PaneInfo, Window as SdkWindow, WindowedValue } from "apache-beam/values";
import { NO_FIRING, type Millis, type Pane, type Window } from "../../model/model";
import { GLOBAL_WINDOW } from "../../model/window_fns";

export { GLOBAL_WINDOW };
/** The one-element window list shared by every element in the global window (no per-element allocation). */
export const GLOBAL_WINDOWS: readonly Window[] = Object.freeze([GLOBAL_WINDOW]);

const sdkWindows = new WeakMap<Window, SdkWindow>();
const sdkGlobalWindow = new GlobalWindow();

export function toSdkInstant(millis: Millis): Instant {
  return Long.fromNumber(millis);
}

export function fromSdkInstant(instant: Instant | number | bigint): Millis {
  if (typeof instant === "number") return instant;
  if (typeof instant === "bigint") return Number(instant);
  return instant.toNumber();
}

/** The SDK's IntervalWindow / GlobalWindow for a runner window (cached per window object). */
export function toSdkWindow(window: Window): SdkWindow {
  if (window.global) return sdkGlobalWindow;
  let sdk = sdkWindows.get(window);
  if (!sdk) {
    sdk = new IntervalWindow(Long.fromNumber(window.start), Long.fromNumber(window.end));
    sdkWindows.set(window, sdk);
  }
  return sdk;
}

export function fromSdkWindow(window: SdkWindow): Window {
  if (window instanceof IntervalWindow) {
    return { start: fromSdkInstant(window.start), end: fromSdkInstant(window.end) };
  }
  return GLOBAL_WINDOW;
}

const TIMINGS: Record<Pane["timing"], Timing> = {
  EARLY: Timing.EARLY,
  ON_TIME: Timing.ON_TIME,
  LATE: Timing.LATE,
  UNKNOWN: Timing.UNKNOWN,
};

/** The SDK's PaneInfo (onTimeIndex is Beam's nonSpeculativeIndex). */
export function toSdkPane(pane: Pane): PaneInfo {
  return {
    timing: TIMINGS[pane.timing],
    index: pane.index,
    onTimeIndex: pane.nonSpeculativeIndex,
    isFirst: pane.isFirst,
    isLast: pane.isLast,
  };
}

export function fromSdkPane(pane: PaneInfo | undefined): Pane {
  if (!pane) return NO_FIRING;
  return {
    timing: pane.timing as Pane["timing"],
    index: pane.index,
    nonSpeculativeIndex: pane.onTimeIndex,
    isFirst: pane.isFirst,
    isLast: pane.isLast,
  };
}

/** A WindowedValue returned by a DoFn's finishBundle, as runner values. */
export function fromSdkWindowedValue<T>(wv: WindowedValue<T>): {
  value: T;
  timestamp: Millis;
  windows: readonly Window[];
  pane: Pane;
} {
  const windows = wv.windows && wv.windows.length > 0 ? wv.windows.map(fromSdkWindow) : GLOBAL_WINDOWS;
  return { value: wv.value, timestamp: fromSdkInstant(wv.timestamp), windows, pane: fromSdkPane(wv.pane) };
}
