/** What the Kafka source keeps per partition of its topic (shared by the source's collaborators). */
import type { TopicPartition } from "../../../io/kafka/kafka_client";
import type { Millis } from "../../../model/model";
import type { FetchedKafkaRecord } from "./kafka_event_time";
import type { CommitMetadata, PartitionOffsets } from "./kafka_offsets";
import type { PartitionQueue } from "./kafka_partition_merge";

export interface PartitionInfo {
  readonly tp: TopicPartition;
  readonly key: string;
  offsets: PartitionOffsets;
  /** Fetched records waiting to be merged. */
  readonly queue: PartitionQueue<FetchedKafkaRecord>;
  /** The offset after the last fetched record: anything below is a duplicate delivery (after a rebalance). */
  fetchedEnd: number | undefined;
  /** Where reading started when nothing was fetched yet (committed offset, log start or end). */
  startOffset: number | undefined;
  /** The log end offset: from the last fetched batch, the broker's answer at open or every 5 s. */
  highWatermark: number | undefined;
  assigned: boolean;
  /** Fetching paused (this partition's queue is full). */
  paused: boolean;
  /** When the last batch of this partition arrived (or a stalled fetch was restarted). */
  lastBatchAt?: Millis;
  /** The metadata of the commit this run resumed from, if any. */
  restored: CommitMetadata | undefined;
  /** The runner checkpoint this run restored reflects the records below this offset (undefined: none). */
  checkpointEnd: number | undefined;
  lastCommitted: string | undefined;
  /** Records of this partition handed to the runner (metrics). */
  recordsRead: number;
  /** The offset last committed (or resumed from), for metrics. */
  committedOffset: number | undefined;
  /** Times the merge went on without this partition (idle at its end offset). */
  idleDeclarations: number;
  /** The line saying the merge went on without it after --idle-timeout was written. */
  idleLogged: boolean;
  /** The line saying it has no record at all was written. */
  emptyLogged: boolean;
  /** The run of merged records not yet handed (their offsets are noted when the step is handed). */
  run: { first: number; last: FetchedKafkaRecord; max: Millis; passedEnd: number } | undefined;
  /** At the end of the last step handed: the largest event time merged and whether the partition was idle. */
  stepEnd: { maxEventTime: Millis; idle: boolean };
  /**
   * The source's state after each step that moved this partition's handed end, oldest first (pruned below the last
   * commit): a commit names the state that held at its offset, not the current one (kafka_commits.ts).
   */
  stepMarks: StepMark[];
}

/** After handing this partition's records below `handedEnd`, the source watermark and the partition's step end. */
export interface StepMark {
  readonly handedEnd: number;
  readonly watermark: Millis;
  readonly maxEventTime: Millis;
  readonly idle: boolean;
}

/** Notes the state after a step; a step that did not move the handed end replaces the last mark (same offset). */
export function markStep(info: PartitionInfo, watermark: Millis): void {
  const handedEnd = info.offsets.handedEnd();
  if (handedEnd === undefined) return;
  const mark: StepMark = { handedEnd, watermark, maxEventTime: info.stepEnd.maxEventTime, idle: info.stepEnd.idle };
  const marks = info.stepMarks;
  if (marks.length > 0 && marks[marks.length - 1].handedEnd === handedEnd) marks[marks.length - 1] = mark;
  else marks.push(mark);
}

/**
 * The state that held when the record at `offset` was handed: the last mark at or below it (a replay from `offset`
 * starts there). Older marks are dropped (commit offsets only grow). Undefined when no mark is that old.
 */
export function markAt(info: PartitionInfo, offset: number): StepMark | undefined {
  const marks = info.stepMarks;
  let i = -1;
  while (i + 1 < marks.length && marks[i + 1].handedEnd <= offset) i++;
  if (i > 0) marks.splice(0, i);
  return i >= 0 ? marks[0] : undefined;
}

/** The position of a partition: the next offset it fetches. */
export function position(info: PartitionInfo): number | undefined {
  return info.fetchedEnd ?? info.startOffset;
}

/** Caught up: read to the log end offset the broker last reported (so maybe no record is coming). */
export function caughtUp(info: PartitionInfo): boolean {
  const at = position(info);
  return at !== undefined && info.highWatermark !== undefined && at >= info.highWatermark;
}
