/**
 * The direct runner's contract with an unbounded (or bounded) source: the executor pulls batches, the source
 * reports its watermark, and the executor tells the source what has become durable so it may commit.
 */
import type * as runnerApi from "apache-beam/proto/beam_runner_api";
import type { Millis } from "../../../model/model";
import type { PartitionSnapshot } from "../../../model/run_snapshot";
import type { RunnerCheckpoints } from "../checkpoint/runner_checkpoint";

export interface SourceRecord<T> {
  readonly value: T;
  readonly timestamp: Millis;
}

export interface SourceBatch<T> {
  readonly records: readonly SourceRecord<T>[];
  /** The source watermark after these records; WATERMARK_DONE (+Infinity) ends the source. */
  readonly watermark: Millis;
  /**
   * Only for sources that drive a virtual clock (TestStream): the processing time after this batch. The runner
   * moves its virtual clock there (never backwards) and fires the processing-time timers that are due.
   */
  readonly processingTime?: Millis;
}

export interface SourceContext {
  /** The runner's processing-time clock (virtual under TestStream). */
  now(): Millis;
  /**
   * Present when the runner keeps checkpoints (a state folder is set and this is the run's only committing
   * source): the source may capture the runner's state inside onDurable and restore one in open().
   */
  readonly checkpoints?: RunnerCheckpoints;
  /** DirectRunnerOptions.onCommitted: told of each offset commit the broker took, before it counts as done. */
  readonly onCommitted?: CommitListener;
}

/** What DirectRunnerOptions.onCommitted receives: the topic and every partition's committed offset. */
export type CommitListener = (topic: string, offsets: ReadonlyMap<number, number>) => Promise<void>;

export interface UnboundedSource<T> {
  /**
   * A bounded source has a natural end: on a clean shutdown (stop(), SIGINT/SIGTERM, idle stop) the runner
   * advances its watermark to +Infinity and fires what Beam fires at end of input. An unbounded source's
   * watermark stays where it is on shutdown (open windows are not fired). Default: unbounded.
   */
  readonly bounded?: boolean;
  /**
   * True when the source dictates processing time through SourceBatch.processingTime (TestStream). The runner
   * then runs on a virtual clock: no sleeps, fully deterministic. Default: the real clock.
   */
  readonly drivesProcessingTime?: boolean;
  open(context: SourceContext): Promise<void>;
  /**
   * The next batch. Resolves within about maxWaitMs even when there is no data (an empty batch, possibly with
   * an advanced watermark), so the runner can move processing time and notice shutdown. The runner has handed
   * every record of a batch downstream (and keeps no reference to the array) before it calls read() again, so a
   * source may refill one records array for every batch.
   */
  read(maxWaitMs: number): Promise<SourceBatch<T>>;
  /**
   * Everything derived from records with timestamp < durableBefore has been written by every sink and no live
   * state still needs them: the source may commit its position accordingly. `final` marks the last call of a run
   * that ends cleanly (a source should commit then, whatever its commit interval).
   */
  onDurable?(durableBefore: Millis, final?: boolean): Promise<void>;
  /**
   * After open(): the last event time of an earlier run of this job that drained at the end of its input (it closed
   * every window starting at or before it), or undefined. The runner sends elements for such windows to the late
   * output (CLOSED_BY_EARLIER_RUN) instead of opening a second "final" pane a sink would refuse.
   */
  closedThrough?(): Millis | undefined;
  /** Where a record came from, for error messages (e.g. "sales_events/1@345"). */
  describeRecord?(value: T): string;
  /** Stop reading and release resources (after a final onDurable). */
  close(): Promise<void>;
  /** Connection state and per-partition figures, for metrics and health (read on demand, cheap). */
  observe?(): SourceObservation;
}

/** What a source factory may need besides its payload. */
export interface SourceFactoryContext {
  readonly transformId: string;
  readonly transform: runnerApi.PTransform;
  /** The pipeline's components (coders, windowing strategies), e.g. to decode a coder named in the payload. */
  readonly components: runnerApi.Components;
}

/** Builds the source of one transform from its payload (sources/registry.ts lists them by URN). */
export type SourceFactory = (payload: Uint8Array, context: SourceFactoryContext) => UnboundedSource<unknown>;

export interface SourceObservation {
  readonly connected: boolean;
  /** Broker outages the source went through (each lasting at least a second), for the outage metric. */
  readonly outages?: number;
  readonly partitions: readonly PartitionSnapshot[];
}
