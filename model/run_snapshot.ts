/**
 * What a running pipeline reports about itself, on any runner: plain data, read on demand (no timers, no exporter
 * inside the runner). A RunningJob's `snapshot()` returns it (runners/running_job.ts): the direct runner fills every
 * part; another runner fills what it knows (an empty list for what it cannot see). ops/ turns it into Prometheus
 * metrics, the health checks and the status page, and tests read the very same figures. Times are ms since the epoch;
 * watermarks are −Infinity before the first one and +Infinity once an input ended.
 */
import type { Millis, Timing } from "./model";

/** What one sink reported about its writes (transforms/sinks/sink_metrics.ts keeps these figures). */
export interface SinkSnapshot {
  readonly sink: string;
  readonly rowsWritten: number;
  readonly retries: number;
  /** Batches per bucket of SINK_BATCH_BUCKETS (not cumulative; the last entry counts those above every bound). */
  readonly batchBuckets: readonly number[];
  readonly batchCount: number;
  readonly batchSecondsSum: number;
  readonly ready: boolean;
  /** Why it is not ready (shown on /readyz). */
  readonly reason: string | undefined;
}

/** One Kafka partition as the source sees it. Offsets are undefined until known. */
export interface PartitionSnapshot {
  readonly topic: string;
  readonly partition: number;
  /** Records handed to the pipeline from this partition by this run. */
  readonly recordsRead: number;
  readonly watermark: Millis;
  /** Left out of the merge and the source watermark: caught up and silent for --idle-timeout. */
  readonly idle: boolean;
  /** How often this run went on without the partition (caught up and silent for --idle-timeout). */
  readonly idleDeclarations?: number;
  /** The log end offset (high watermark): from the last fetch response, or the broker asked every 5 s. */
  readonly logEndOffset: number | undefined;
  /** The next offset to fetch. */
  readonly position: number | undefined;
  /** The offset this run last committed for the group (or the one it resumed from). */
  readonly committedOffset: number | undefined;
}

/** A source step. */
export interface SourceSnapshot {
  readonly step: string;
  readonly watermark: Millis;
  /** False while not (yet) connected, after its client failed, or while the broker does not answer. */
  readonly connected: boolean;
  /** Broker outages of at least a second the source went through (it waits for the broker within its retry budget). */
  readonly outages: number;
  readonly partitions: readonly PartitionSnapshot[];
}

/** Panes a grouped step emitted, by timing. */
export type PaneCounts = Readonly<Record<Timing, number>>;

/** A grouped step (GroupByKey, combinePerKey, windowedCombine). */
export interface GroupedStepSnapshot {
  readonly step: string;
  readonly inputWatermark: Millis;
  readonly outputWatermark: Millis;
  /** Live key-window states. */
  readonly openWindows: number;
  readonly panes: PaneCounts;
  /** Elements behind the watermark that still updated a window (within the allowed lateness). */
  readonly lateElements: number;
  /** Elements too late for every window they belong to (sent to the late-data output). */
  readonly droppedDueToLateness: number;
}

/** A step of the pipeline graph, with the elements it received. */
export interface StepSnapshot {
  readonly index: number;
  readonly name: string;
  readonly kind: string;
  /** Indices of the steps producing its main inputs. */
  readonly inputs: readonly number[];
  /** Elements received (for a source: records it produced). */
  readonly elements: number;
}

/** A pane recently emitted by a grouped step. Key and value come from the data: untrusted text. */
export interface RecentPane {
  readonly step: string;
  readonly key: string;
  readonly window: { readonly start: Millis; readonly end: Millis };
  readonly timing: Timing;
  readonly index: number;
  readonly isLast: boolean;
  /** The value as JSON, cut at 200 characters. */
  readonly value: string;
  /** Wall-clock time it was emitted. */
  readonly emittedAt: Millis;
}

export interface RunSnapshot {
  /** Wall-clock time of the snapshot. */
  readonly at: Millis;
  readonly state: "RUNNING" | "DONE" | "FAILED";
  readonly elementsRead: number;
  /** Beam counters by name (user counters and the runner's own, e.g. droppedDueToLateness). */
  readonly counters: Readonly<Record<string, number>>;
  readonly steps: readonly StepSnapshot[];
  readonly sources: readonly SourceSnapshot[];
  readonly grouped: readonly GroupedStepSnapshot[];
  /** Newest last. */
  readonly recentPanes: readonly RecentPane[];
  /** What sinks reported: the runner's `sinkFigures` option (none when it was not given). */
  readonly sinks: readonly SinkSnapshot[];
}
