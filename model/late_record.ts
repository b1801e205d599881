/**
 * What a late-data output carries, and the counter every runner reports for droppable elements. Runner-neutral:
 * the direct runner fills the late output itself; on Flink the same counter name comes from Flink's metric.
 */
import type { LateElement, Millis } from "./model";

/** Beam's counter name for elements dropped because their window had expired (ReduceFnRunner, Flink). */
export const DROPPED_DUE_TO_LATENESS = "droppedDueToLateness";

/** What the late-data output carries for each droppable element (plain numbers: it crosses into sinks). */
export interface LateRecord<K, V> {
  readonly key: K;
  readonly value: V;
  /** The element's event time (ms since the epoch). */
  readonly timestamp: Millis;
  /** The windows it was assigned to and missed ([start, end) in ms). */
  readonly windows: ReadonlyArray<{ readonly start: Millis; readonly end: Millis }>;
  /** The grouped step's input watermark when the element arrived. */
  readonly watermark: Millis;
  readonly reason: LateElement<K, V>["reason"];
}
