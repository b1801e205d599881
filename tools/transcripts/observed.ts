/**
 * What a transcript run observed, in the transcript's own vocabulary (windows as [start, end-inclusive]),
 * and how it is written: YAML flow mappings for diffs (pasteable into a transcript) and JSON for `--print`.
 */
import { Firing, LateElement, Window } from "../../model/model";
import { CombinedValue } from "./combine_fns";
import { GLOBAL_WINDOW_BOUNDS, Scalar, WindowBounds } from "./transcript";

export interface ObservedPane {
  readonly key: Scalar;
  readonly window: WindowBounds;
  readonly values: CombinedValue;
  readonly timestamp: number;
  readonly early: boolean;
  readonly late: boolean;
  readonly final: boolean;
  readonly first: boolean;
  readonly index: number;
  readonly nonspeculative_index: number;
}

export interface ObservedLate {
  readonly key: Scalar;
  readonly value: Scalar;
  readonly timestamp: number;
  readonly windows: readonly WindowBounds[];
  readonly reason: string;
  readonly watermark: number;
}

export function boundsOf(window: Window): WindowBounds {
  return window.global ? GLOBAL_WINDOW_BOUNDS : [window.start, window.end - 1];
}

export function observePane(firing: Firing<Scalar, CombinedValue>): ObservedPane {
  const values = firing.value;
  return {
    key: firing.key,
    window: boundsOf(firing.window),
    values: Array.isArray(values) ? sortedValues(values) : values,
    timestamp: firing.timestamp,
    early: firing.pane.timing === "EARLY",
    late: firing.pane.timing === "LATE",
    final: firing.pane.isLast,
    first: firing.pane.isFirst,
    index: firing.pane.index,
    nonspeculative_index: firing.pane.nonSpeculativeIndex,
  };
}

export function observeLate(late: LateElement<Scalar, Scalar>): ObservedLate {
  return {
    key: late.key,
    value: late.value,
    timestamp: late.timestamp,
    windows: late.windows.map(boundsOf),
    reason: late.reason,
    watermark: late.watermark,
  };
}

/** Values in a stable order (numbers ascending, then the rest by their text) so panes read like Beam's. */
export function sortedValues(values: readonly Scalar[]): Scalar[] {
  return [...values].sort((a, b) => {
    if (typeof a === "number" && typeof b === "number") return a - b;
    if (typeof a === "number") return -1;
    if (typeof b === "number") return 1;
    return JSON.stringify(a).localeCompare(JSON.stringify(b));
  });
}

function formatScalar(value: unknown): string {
  if (typeof value === "number") {
    if (Number.isNaN(value)) return ".nan";
    if (value === Number.POSITIVE_INFINITY) return ".inf";
    if (value === Number.NEGATIVE_INFINITY) return "-.inf";
    return String(value);
  }
  if (typeof value === "string") return /^[A-Za-z_][\w-]*$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value);
}

function formatWindow(window: WindowBounds): string {
  return window === GLOBAL_WINDOW_BOUNDS || (window[0] === GLOBAL_WINDOW_BOUNDS[0] && window[1] === GLOBAL_WINDOW_BOUNDS[1])
    ? "global"
    : `[${window[0]}, ${window[1]}]`;
}

/** A value as a transcript would write it. */
export function formatValue(key: string, value: unknown): string {
  if (key === "window" && Array.isArray(value) && value.length === 2) return formatWindow(value as unknown as WindowBounds);
  if (key === "windows" && Array.isArray(value)) return `[${(value as WindowBounds[]).map(formatWindow).join(", ")}]`;
  if (Array.isArray(value)) return `[${value.map(formatScalar).join(", ")}]`;
  return formatScalar(value);
}

/** `{key: a, window: [0, 9], …}` with the attributes in the given order. */
export function formatMapping(record: object, order: readonly string[]): string {
  // (No destructuring here: the closure transform mishandles destructured parameters.)
  const entries = Object.entries(record).filter((entry) => entry[0] !== "line" && entry[1] !== undefined);
  entries.sort((a, b) => rank(order, a[0]) - rank(order, b[0]));
  return `{${entries.map((entry) => `${entry[0]}: ${formatValue(entry[0], entry[1])}`).join(", ")}}`;
}

function rank(order: readonly string[], key: string): number {
  const i = order.indexOf(key);
  return i < 0 ? order.length : i;
}

export const PANE_ORDER = [
  "key",
  "window",
  "values",
  "timestamp",
  "early",
  "late",
  "final",
  "first",
  "index",
  "nonspeculative_index",
];
export const LATE_ORDER = ["key", "value", "timestamp", "window", "windows", "reason", "watermark"];
