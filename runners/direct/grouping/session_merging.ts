/**
 * Per-key merging of session windows (Beam Java's MergingActiveWindowSet with Sessions/MergeOverlappingIntervalWindows),
 * as a pure decision: given the key's current windows and a new proto-window [ts, ts + gap), which windows merge
 * into what.
 *
 * - Windows are half-open intervals; two windows merge when they overlap (`a.start < b.end && b.start < a.end`), so
 *   [0, 10) and [10, 20) stay apart.
 * - Only open windows merge. A window whose trigger finished ("closed", it produced its final pane) is never merged
 *   again; a proto-window equal to a closed window is late data for it.
 * - The open windows of a key never overlap each other (they were merged when they did), so a proto-window merges
 *   with exactly the open windows it overlaps, into their span.
 */
import type { Window } from "../../../model/model";

export interface SessionCandidate {
  readonly window: Window;
  readonly closed: boolean;
}

export type SessionMerge<S> =
  /** No open window overlaps: the proto-window is a new session (no closed window equals it either). */
  | { readonly kind: "new" }
  /** The proto-window equals a closed session: the element is late for it. */
  | { readonly kind: "closed"; readonly window: S }
  /** The proto-window lies within one open session: nothing merges. */
  | { readonly kind: "inside"; readonly window: S }
  /**
   * The proto-window and `sources` merge into `span`; `existing` is the source equal to the span if there is one
   * (it keeps its pane history), otherwise the span is a new window.
   */
  | { readonly kind: "merge"; readonly span: Window; readonly sources: readonly S[]; readonly existing: S | undefined };

const NEW: SessionMerge<never> = Object.freeze({ kind: "new" });

export function overlaps(a: Window, b: Window): boolean {
  return a.start < b.end && b.start < a.end;
}

export function planSessionMerge<S extends SessionCandidate>(windows: readonly S[], proto: Window): SessionMerge<S> {
  let spanStart = proto.start;
  let spanEnd = proto.end;
  let closedEqual: S | undefined;
  let sources: S[] | undefined;
  let first: S | undefined;
  for (let i = 0; i < windows.length; i++) {
    const s = windows[i];
    const w = s.window;
    if (s.closed) {
      if (w.start === proto.start && w.end === proto.end) closedEqual = s;
      continue;
    }
    if (w.start < proto.end && proto.start < w.end) {
      if (first === undefined) {
        first = s;
      } else {
        (sources ??= [first]).push(s);
      }
      if (w.start < spanStart) spanStart = w.start;
      if (w.end > spanEnd) spanEnd = w.end;
    }
  }
  if (first === undefined) return closedEqual === undefined ? NEW : { kind: "closed", window: closedEqual };
  if (sources === undefined && first.window.start === spanStart && first.window.end === spanEnd) {
    return { kind: "inside", window: first };
  }
  const all = sources ?? [first];
  let existing: S | undefined;
  for (let i = 0; i < all.length; i++) {
    if (all[i].window.start === spanStart && all[i].window.end === spanEnd) existing = all[i];
  }
  return { kind: "merge", span: { start: spanStart, end: spanEnd }, sources: all, existing };
}
