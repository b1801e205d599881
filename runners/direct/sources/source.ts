/**
 * The direct runner's contract with an unbounded (or bounded) source: the executor pulls batches, the source
 * reports its watermark, and the executor tells the source what has become durable so it may commit.
 */
import type { Millis } from "../grouping/model";

export interface SourceRecord<T> {
  readonly value: T;
  readonly timestamp: Millis;
}

export interface SourceBatch<T> {
  readonly records: readonly SourceRecord<T>[];
  /** The source watermark after these records; WATERMARK_DONE (+Infinity) ends the source. */
  readonly watermark: Millis;
}

export interface SourceContext {
  /** The runner's processing-time clock (virtual under TestStream). */
  now(): Millis;
}

export interface UnboundedSource<T> {
  open(context: SourceContext): Promise<void>;
  /**
   * The next batch. Resolves within about maxWaitMs even when there is no data (an empty batch, possibly with
   * an advanced watermark), so the runner can move processing time and notice shutdown.
   */
  read(maxWaitMs: number): Promise<SourceBatch<T>>;
  /**
   * Everything derived from records with timestamp < durableBefore has been written by every sink and no live
   * state still needs them: the source may commit its position accordingly.
   */
  onDurable?(durableBefore: Millis): Promise<void>;
  /** Stop reading and release resources (after a final onDurable). */
  close(): Promise<void>;
}
