/** What a capture records per output element: value, event time, window and pane, as plain numbers. */
export interface CapturedWindow {
  readonly start: number;
  readonly end: number;
  readonly global?: true;
}

export type CapturedTiming = "EARLY" | "ON_TIME" | "LATE" | "UNKNOWN";

export interface CapturedPane {
  readonly timing: CapturedTiming;
  readonly isFirst: boolean;
  readonly isLast: boolean;
  readonly index: number;
  readonly nonSpeculativeIndex: number;
}

export interface CapturedElement<T> {
  readonly value: T;
  readonly timestamp: number;
  readonly window: CapturedWindow;
  readonly pane: CapturedPane;
}
