/**
 * Window assignment for Beam's standard window fns, from the `WindowFnSpec` data (never from the SDK's JS
 * WindowFn objects, whose sliding windows claim to assign one window). Pure: a timestamp in, windows out.
 *
 * - fixed: the one window [start, start + size) with start ≡ offset (mod size); like Beam Java's FixedWindows the
 *   last window before the end of time is truncated to end at END_OF_GLOBAL_WINDOW + 1.
 * - sliding: every window [start, start + size) with start ≡ offset (mod period) that contains ts, i.e.
 *   ceil(size / period) windows when period divides size; returned in ascending start order (Beam Java returns
 *   them latest first; order carries no meaning).
 * - sessions: the proto-window [ts, ts + gap) that the grouping reducer merges per key.
 * - global: the single global window.
 */
import { END_OF_GLOBAL_WINDOW, TIMESTAMP_MIN, type Millis, type Window, type WindowFnSpec } from "./model";

/** The global window, shared (windows are immutable values). */
export const GLOBAL_WINDOW: Window = Object.freeze({
  start: TIMESTAMP_MIN,
  end: END_OF_GLOBAL_WINDOW + 1,
  global: true,
});

const END_OF_TIME_EXCLUSIVE = END_OF_GLOBAL_WINDOW + 1;

/** `a mod m` in [0, m), also for negative `a` (JavaScript's % keeps the dividend's sign). */
export function floorMod(a: number, m: number): number {
  const r = a % m;
  return r < 0 ? r + m : r;
}

function intervalWindow(start: Millis, size: Millis): Window {
  const end = start > END_OF_TIME_EXCLUSIVE - size ? END_OF_TIME_EXCLUSIVE : start + size;
  return { start, end };
}

/** The windows a value with timestamp `ts` belongs to under `spec`. */
export function assignWindows(spec: WindowFnSpec, ts: Millis): Window[] {
  switch (spec.kind) {
    case "global":
      return [GLOBAL_WINDOW];
    case "fixed":
      return [intervalWindow(ts - floorMod(ts - spec.offset, spec.size), spec.size)];
    case "sliding": {
      const lastStart = ts - floorMod(ts - spec.offset, spec.period);
      let first = lastStart;
      if (!(first > ts - spec.size)) return []; // period > size leaves gaps: ts may fall in none
      while (first - spec.period > ts - spec.size) first -= spec.period;
      const windows: Window[] = [];
      for (let start = first; start <= lastStart; start += spec.period) windows.push(intervalWindow(start, spec.size));
      return windows;
    }
    case "sessions":
      return [{ start: ts, end: ts + spec.gap }];
  }
}

/** Whether the window fn merges windows per key (sessions). */
export function isMerging(spec: WindowFnSpec): boolean {
  return spec.kind === "sessions";
}

/** Whether every timestamp is assigned exactly one window (everything but sliding windows with period < size). */
export function assignsToOneWindow(spec: WindowFnSpec): boolean {
  return spec.kind !== "sliding" || spec.period >= spec.size;
}

/** A window's largest included timestamp (Beam's maxTimestamp): end - 1; END_OF_GLOBAL_WINDOW for the global window. */
export function maxTimestamp(w: Window): Millis {
  return w.end - 1;
}

/** Two windows are the same window (same interval; the global window is unique). */
export function sameWindow(a: Window, b: Window): boolean {
  return a.start === b.start && a.end === b.end;
}

/** A readable name for a window, for errors and logs: `[start, end)` or `GlobalWindow`. */
export function formatWindow(w: Window): string {
  return w.global ? "GlobalWindow" : `[${w.start}, ${w.end})`;
}

/** Checks a window fn's parameters; throws an error that says what is wrong and what to use instead. */
export function validateWindowFn(spec: WindowFnSpec): void {
  const positive = (name: string, v: number): void => {
    if (!Number.isSafeInteger(v) || v <= 0) {
      throw new Error(`${spec.kind} windows: ${name} must be a positive whole number of milliseconds, got ${v}`);
    }
  };
  switch (spec.kind) {
    case "global":
      return;
    case "fixed":
      positive("size", spec.size);
      if (!Number.isSafeInteger(spec.offset)) throw new Error(`fixed windows: offset must be whole milliseconds, got ${spec.offset}`);
      return;
    case "sliding":
      positive("size", spec.size);
      positive("period", spec.period);
      if (!Number.isSafeInteger(spec.offset)) throw new Error(`sliding windows: offset must be whole milliseconds, got ${spec.offset}`);
      return;
    case "sessions":
      positive("gap", spec.gap);
      return;
  }
}
