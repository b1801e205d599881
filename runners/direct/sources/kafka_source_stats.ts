/** What the Kafka source counts, for logs, tests and metrics (the lag and per-partition figures: kafka_lag.ts). */
import type { Millis } from "../../../model/model";
import type { PartitionInfo } from "./kafka_partition";
import type { PartitionMerge } from "./kafka_partition_merge";
import type { FetchedKafkaRecord } from "./kafka_event_time";

export interface KafkaSourceStats {
  handed: number;
  skippedAsDurable: number;
  /** Re-read records not handed because the restored runner checkpoint already reflects them. */
  inCheckpoint: number;
  /** The id of the runner checkpoint this run restored (undefined: none). */
  restoredCheckpoint: string | undefined;
  duplicatesDropped: number;
  pauses: number;
  /** Steps of the merged sequence handed. */
  steps: number;
  /** Times the merge went on without a caught-up, silent partition (--idle-timeout). */
  idleDeclarations: number;
  /** The runner's clock when the first record was handed (0 before). */
  firstHandedAt: number;
  /** Milliseconds read() waited with nothing to hand after the first record (the runner waited for the client). */
  starvedMs: number;
}

export function createKafkaSourceStats(): KafkaSourceStats {
  return {
    handed: 0,
    skippedAsDurable: 0,
    inCheckpoint: 0,
    restoredCheckpoint: undefined,
    duplicatesDropped: 0,
    pauses: 0,
    steps: 0,
    idleDeclarations: 0,
    firstHandedAt: 0,
    starvedMs: 0,
  };
}

/** One assigned partition's watermark and commit position. */
export interface PartitionDescription {
  readonly partition: number;
  readonly watermark: Millis;
  readonly idle: boolean;
  readonly commitOffset: number | undefined;
}

/** Partition watermarks and commit positions of the assigned partitions, for logs and tests. */
export function describePartitions(
  partitions: Iterable<PartitionInfo>,
  merge: PartitionMerge<FetchedKafkaRecord>,
): PartitionDescription[] {
  return [...partitions]
    .filter((i) => i.assigned)
    .map((i) => ({
      partition: i.tp.partition,
      watermark: merge.partitionWatermark(i.queue),
      idle: i.queue.idle,
      commitOffset: i.offsets.commitOffset(),
    }));
}
