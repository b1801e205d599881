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
  /** It reached the log end offset it had when the run started and the merge went on without it once. */
  backlogRead: boolean;
  /** The line saying the merge went on without it after --idle-timeout was written. */
  idleLogged: boolean;
  /** The run of merged records not yet handed (their offsets are noted when the step is handed). */
  run: { first: number; last: FetchedKafkaRecord; max: Millis; passedEnd: number } | undefined;
  /** At the end of the last step handed: the largest event time merged and whether the partition was idle. */
  stepEnd: { maxEventTime: Millis; idle: boolean };
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
