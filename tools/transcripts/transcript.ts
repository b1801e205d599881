/**
 * A parsed windowing transcript: one windowing configuration and the ordered steps that drive it, with the
 * file line of everything so failures point at the source.
 */
import { END_OF_GLOBAL_WINDOW, Millis, TIMESTAMP_MIN, WindowingSpec } from "../../model/model";
import { TranscriptError } from "./transcript_error";

/** How the values of a pane are combined: `list` keeps every value (compared as a multiset). */
export type CombineKind = "list" | "sum" | "count" | "mean";

/** The key used for bare-number inputs (`input: [1, 2]`), and the key expectations default to. */
export const DEFAULT_KEY = "default";

/** A key or value written in a transcript: a YAML scalar. */
export type Scalar = string | number | boolean | null;

export interface InputElement {
  readonly key: Scalar;
  readonly value: Scalar;
  readonly timestamp: Millis;
}

/** A window as transcripts write it: [start, maxTimestamp] (end inclusive). */
export type WindowBounds = readonly [Millis, Millis];

/** The global window's bounds; transcripts write it `global`. */
export const GLOBAL_WINDOW_BOUNDS: WindowBounds = [TIMESTAMP_MIN, END_OF_GLOBAL_WINDOW];

/** One expected pane; absent attributes are not compared. */
export interface ExpectedPane {
  readonly line: number;
  readonly key?: Scalar;
  readonly window?: WindowBounds;
  /** A multiset of values for `list`, the combined number otherwise. */
  readonly values?: readonly Scalar[] | number;
  readonly timestamp?: Millis;
  readonly early?: boolean;
  readonly late?: boolean;
  readonly final?: boolean;
  readonly first?: boolean;
  readonly index?: number;
  readonly nonspeculative_index?: number;
}

/** One expected element of the late-data output; absent attributes are not compared. */
export interface ExpectedLate {
  readonly line: number;
  readonly key?: Scalar;
  readonly value?: Scalar;
  readonly timestamp?: Millis;
  /** Matches when it is one of the windows the element missed. */
  readonly window?: WindowBounds;
  readonly reason?: "EXPIRED_WINDOW" | "CLOSED_WINDOW";
}

export type Step =
  | { readonly kind: "input"; readonly line: number; readonly elements: readonly InputElement[] }
  | { readonly kind: "watermark"; readonly line: number; readonly watermark: Millis }
  | { readonly kind: "processing_time"; readonly line: number; readonly time: Millis }
  | { readonly kind: "expect"; readonly line: number; readonly panes: readonly ExpectedPane[] }
  | { readonly kind: "expect_late"; readonly line: number; readonly elements: readonly ExpectedLate[] };

/**
 * `windowing` is a TranscriptError only in `error` transcripts, whose expected rejection may be that of the
 * configuration itself (an unknown trigger, bad syntax); elsewhere such errors are thrown while parsing.
 */
export interface Transcript {
  readonly file: string;
  /** Line of the document's first line. */
  readonly line: number;
  /** Line of the windowing configuration (trigger_fn, else window_fn, else the first line). */
  readonly configurationLine: number;
  readonly name: string;
  readonly windowing: WindowingSpec | TranscriptError;
  readonly combine: CombineKind;
  /**
   * Skip Beam Java's construction-time check that rejects triggers which may finish before garbage collection
   * (Beam Python's --allow_unsafe_triggers); the reducer then runs them, dropping data for closed windows.
   */
  readonly allowUnsafeTriggers: boolean;
  /** A regular expression the run's error must match; the transcript passes only if it is rejected. */
  readonly error?: { readonly pattern: RegExp; readonly line: number };
  readonly steps: readonly Step[];
}
