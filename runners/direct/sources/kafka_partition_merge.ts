/**
 * The deterministic merge of a topic's partitions (Kafka Streams' PartitionGroup, cut into Spark-like steps): what
 * the runner sees is a function of the partitions' records alone, not of how fetches happened to arrive.
 *
 * - **Order.** Each partition's fetched records wait in their own queue, in offset order. The next record handed is
 *   the head with the lowest merge time (its event time; ties: the lower partition number). A partition whose queue
 *   is empty blocks the merge (its next record could come first) unless it is idle (below).
 * - **Steps.** The merged sequence is cut into steps of `stepRecords` records. The watermark moves only at the end of
 *   a step, to min over non-idle partitions of (largest event time merged − watermarkDelay) (when every partition
 *   is idle: min over those that had a record), never backwards. So the watermark a record meets is the same in every run: the one computed
 *   after the steps before its own. The source hands whole steps only.
 * - **Idle (the one case the data cannot decide).** An empty partition that is caught up (its position at the log end
 *   offset the broker last reported) may have no record coming. When it blocks the merge and nothing was fetched
 *   for it for the idle timeout (the caller decides), it is declared idle: the current step ends there, and the
 *   merge goes on without it until a record of it is merged again. In a backfill (every record already in the
 *   topic) a caught-up partition has truly ended, so this too is decided by the data; only on a live topic can the
 *   wall clock decide, and then it delays results by at most the idle timeout.
 *
 * Pure bookkeeping: no client, no clock of its own (callers pass `now`).
 */
import { WATERMARK_START, type Millis } from "../../../model/model";

/** One fetched batch of one partition, waiting to be merged. */
export interface QueuedBatch<R> {
  readonly records: readonly R[];
  /** Per record: the time it is merged by (its event time, or the record timestamp standing in). */
  readonly times: readonly number[];
  /** Per record: false when it must not move the watermark (no event time of its own, refused). Null: all move it. */
  readonly moves: readonly boolean[] | null;
  /** The next record to merge. */
  next: number;
  /** The offset after everything the fetch covered (past trailing transaction markers). */
  readonly end: number;
}

/** What the merge knows of one partition. */
export class PartitionQueue<R> {
  private batches: QueuedBatch<R>[] = [];
  private head = 0;
  /** Records queued and not merged. */
  buffered = 0;
  /** The largest event time merged that moves the watermark (restored after a restart). */
  maxEventTime: Millis;
  /** Declared idle: not waited for, not holding the watermark, until one of its records is merged. */
  idle = false;

  constructor(
    readonly partition: number,
    restoredMaxEventTime: Millis = Number.NEGATIVE_INFINITY,
  ) {
    this.maxEventTime = restoredMaxEventTime;
  }

  push(batch: QueuedBatch<R>): void {
    this.batches.push(batch);
    this.buffered += batch.records.length - batch.next;
  }

  /** The batch holding the next record, or undefined when the queue is empty (empty batches are passed). */
  current(): QueuedBatch<R> | undefined {
    while (this.head < this.batches.length) {
      const batch = this.batches[this.head];
      if (batch.next < batch.records.length) return batch;
      this.head++;
    }
    if (this.head > 0) {
      this.batches = [];
      this.head = 0;
    }
    return undefined;
  }

  /** Batches still queued (for a revoked partition: where to fetch again from). */
  queued(): readonly QueuedBatch<R>[] {
    return this.batches.slice(this.head);
  }

  clear(): void {
    this.batches = [];
    this.head = 0;
    this.buffered = 0;
  }
}

export interface MergeOptions {
  readonly stepRecords: number;
  readonly watermarkDelay: Millis;
  /** The watermark to start from (restored after a restart); default −∞. */
  readonly initialWatermark?: Millis;
  /** Records already merged in the current step (restored after a restart). */
  readonly stepHanded?: number;
}

/** Receives each merged record: its queue, its batch and its index there. */
export type MergeSink<R> = (queue: PartitionQueue<R>, batch: QueuedBatch<R>, index: number) => void;

/** Why merge() stopped. */
export type MergeStop =
  | { readonly kind: "step" }
  | { readonly kind: "limit" }
  | { readonly kind: "blocked"; readonly on: PartitionQueue<unknown> }
  | { readonly kind: "empty" };

export class PartitionMerge<R> {
  private readonly queues: PartitionQueue<R>[] = [];
  /** Records merged in the current step. */
  stepHanded: number;
  /** Steps ended (for logs and tests). */
  steps = 0;
  private watermarkValue: Millis;

  constructor(private readonly options: MergeOptions) {
    if (!(options.stepRecords >= 1)) throw new Error(`a step must hold at least one record, got ${options.stepRecords}`);
    this.watermarkValue = options.initialWatermark ?? WATERMARK_START;
    this.stepHanded = options.stepHanded ?? 0;
  }

  /** The watermark the current step's records meet (the one computed at the end of the previous step). */
  get watermark(): Millis {
    return this.watermarkValue;
  }

  add(queue: PartitionQueue<R>): void {
    this.queues.push(queue);
    this.queues.sort((a, b) => a.partition - b.partition);
  }

  remove(queue: PartitionQueue<R>): void {
    const i = this.queues.indexOf(queue);
    if (i >= 0) this.queues.splice(i, 1);
  }

  partitions(): readonly PartitionQueue<R>[] {
    return this.queues;
  }

  /**
   * Merges records into `sink` until the step is full, `limit` records were merged, a non-idle empty partition
   * blocks, or every queue is empty.
   */
  merge(limit: number, sink: MergeSink<R>): MergeStop {
    const queues = this.queues;
    const step = this.options.stepRecords;
    let merged = 0;
    for (;;) {
      if (this.stepHanded >= step) return { kind: "step" };
      if (merged >= limit) return { kind: "limit" };
      let best: PartitionQueue<R> | undefined;
      let bestBatch: QueuedBatch<R> | undefined;
      let bestTime = Number.POSITIVE_INFINITY;
      // The second-lowest head: the best partition may hand records up to it without looking again.
      let secondTime = Number.POSITIVE_INFINITY;
      let secondPartition = Number.POSITIVE_INFINITY;
      for (let q = 0; q < queues.length; q++) {
        const queue = queues[q];
        const batch = queue.current();
        if (batch === undefined) {
          if (queue.idle) continue;
          return { kind: "blocked", on: queue };
        }
        const time = batch.times[batch.next];
        // Queues are in partition order: a strictly lower time wins, a tie keeps the lower partition.
        if (time < bestTime) {
          if (best !== undefined) {
            secondTime = bestTime;
            secondPartition = best.partition;
          }
          best = queue;
          bestBatch = batch;
          bestTime = time;
        } else if (time < secondTime) {
          secondTime = time;
          secondPartition = queue.partition;
        }
      }
      if (best === undefined || bestBatch === undefined) return { kind: "empty" };
      if (best.idle) best.idle = false; // a record of an idle partition: it holds the watermark again
      // Hand from the best queue while its head stays ahead of every other head.
      const stopAt = Math.min(step - this.stepHanded, limit - merged);
      let n = 0;
      let batch: QueuedBatch<R> | undefined = bestBatch;
      while (batch !== undefined && n < stopAt) {
        const i = batch.next;
        const time = batch.times[i];
        if (n > 0 && (time > secondTime || (time === secondTime && best.partition > secondPartition))) break;
        batch.next = i + 1;
        best.buffered--;
        n++;
        if ((batch.moves === null || batch.moves[i]) && time > best.maxEventTime) best.maxEventTime = time;
        sink(best, batch, i);
        if (batch.next === batch.records.length) batch = best.current();
      }
      merged += n;
      this.stepHanded += n;
    }
  }

  /** Declares a blocking, caught-up partition idle; the caller ends the step there. */
  declareIdle(queue: PartitionQueue<R>): void {
    queue.idle = true;
  }

  /** Ends the current step: the watermark moves (never back) for the records of the next one. */
  endStep(): Millis {
    const delay = this.options.watermarkDelay;
    let minActive = Number.POSITIVE_INFINITY;
    let minSeen = Number.POSITIVE_INFINITY;
    let anyActive = false;
    for (const queue of this.queues) {
      const w = queue.maxEventTime - delay;
      if (w > Number.NEGATIVE_INFINITY && w < minSeen) minSeen = w;
      if (queue.idle) continue;
      anyActive = true;
      if (w < minActive) minActive = w;
    }
    const idleCandidate = minSeen === Number.POSITIVE_INFINITY ? this.watermarkValue : minSeen;
    const candidate = this.queues.length === 0 ? this.watermarkValue : anyActive ? minActive : idleCandidate;
    if (candidate > this.watermarkValue) this.watermarkValue = candidate;
    this.stepHanded = 0;
    this.steps++;
    return this.watermarkValue;
  }

  /** The watermark of one partition: its largest merged event time − the delay (−∞ before any). */
  partitionWatermark(queue: PartitionQueue<R>): Millis {
    return queue.maxEventTime - this.options.watermarkDelay;
  }
}
