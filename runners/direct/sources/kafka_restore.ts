/**
 * Where a run of the Kafka source starts: the group's committed offsets and their metadata (the merge's state at
 * the last step handed, kafka_offsets.ts), the runner checkpoint the last commit names (kafka_checkpoints.ts), and
 * from them each partition's state when it is first assigned. A checkpoint store elsewhere than the local folder
 * plugs in where `checkpoints.restore` is called: nothing else here reads the runner's state.
 */
import type { KafkaAdmin, TopicPartition } from "../../../io/kafka/kafka_client";
import type { Millis } from "../../../model/model";
import type { KafkaSourceSpec } from "../../../model/kafka_source_spec";
import { createPartitionOffsets, decodeCommitMetadata, type CommitMetadata } from "./kafka_offsets";
import type { KafkaCheckpoints } from "./kafka_checkpoints";
import { PartitionQueue } from "./kafka_partition_merge";
import type { FetchedKafkaRecord } from "./kafka_event_time";
import type { PartitionInfo } from "./kafka_partition";

/** What a run resumes from. */
export interface RestoredRun {
  /** Per partition: the metadata of the commit this run resumes from. */
  readonly restored: ReadonlyMap<number, CommitMetadata>;
  /** Per partition: the group's committed offset. */
  readonly committedStart: ReadonlyMap<number, number>;
  /** Per partition: the restored runner checkpoint reflects the records below this offset. */
  readonly checkpointEnds: ReadonlyMap<number, number>;
  /** The id of the runner checkpoint restored (undefined: none). */
  readonly checkpointId: string | undefined;
  /** The source watermark to start from (−∞: none restored). */
  readonly floor: Millis;
  /** The last event time of an earlier run that drained at the end of its input. */
  readonly drainedAt: Millis | undefined;
  /** Per partition: where reading starts. */
  readonly startAt: ReadonlyMap<number, number>;
}

/** Reads the group's commits (for --from committed) and restores the runner checkpoint they name. */
export async function restoreRun(
  spec: KafkaSourceSpec,
  timestampMode: string,
  admin: KafkaAdmin,
  offsets: readonly { partition: number; low: string; high: string }[],
  checkpoints: KafkaCheckpoints | undefined,
): Promise<RestoredRun> {
  const restored = new Map<number, CommitMetadata>();
  const committedStart = new Map<number, number>();
  const startAt = new Map<number, number>();
  let floor = Number.NEGATIVE_INFINITY;
  let drainedAt: Millis | undefined;
  if (spec.from !== "committed") {
    for (const o of offsets) startAt.set(o.partition, Number(spec.from === "earliest" ? o.low : o.high));
    return { restored, committedStart, checkpointEnds: new Map(), checkpointId: undefined, floor, drainedAt, startAt };
  }
  for (const c of await admin.committedOffsets(spec.groupId, spec.topic)) {
    if (c.offset === null) continue;
    const offset = Number(c.offset);
    committedStart.set(c.partition, offset);
    const metadata = decodeCommitMetadata(c.metadata, offset, timestampMode);
    if (metadata === undefined) continue;
    restored.set(c.partition, metadata);
    if (metadata.sourceWatermark > floor) floor = metadata.sourceWatermark;
    if (metadata.drainedAt !== undefined && !(metadata.drainedAt <= (drainedAt ?? Number.NEGATIVE_INFINITY))) drainedAt = metadata.drainedAt;
  }
  const resumed = await checkpoints?.restore(restored, [...committedStart.keys()]);
  for (const o of offsets) startAt.set(o.partition, committedStart.get(o.partition) ?? Number(o.low));
  return {
    restored,
    committedStart,
    checkpointEnds: resumed?.handedEnds ?? new Map(),
    checkpointId: resumed?.id,
    floor,
    drainedAt,
    startAt,
  };
}

/**
 * A partition first assigned to this run: its restored merge state (largest event time, idle), offsets and
 * where it starts; `watermark` is the source watermark now (the state at its committed offset).
 */
export function restoredPartition(
  tp: TopicPartition,
  run: RestoredRun,
  logEnd: number | undefined,
  watermarkDelay: Millis,
  watermark: Millis,
): PartitionInfo {
  const restored = run.restored.get(tp.partition);
  // The partition's largest event time at the last step handed: partitionWatermark + delay.
  const maxEventTime = (restored?.partitionWatermark ?? Number.NEGATIVE_INFINITY) + watermarkDelay;
  const queue = new PartitionQueue<FetchedKafkaRecord>(tp.partition, maxEventTime);
  queue.idle = restored?.idle === true;
  const info: PartitionInfo = {
    tp,
    key: `${tp.topic}:${tp.partition}`,
    offsets: createPartitionOffsets(restored),
    queue,
    fetchedEnd: undefined,
    startOffset: run.startAt.get(tp.partition),
    highWatermark: logEnd,
    assigned: true,
    paused: false,
    restored,
    checkpointEnd: run.checkpointEnds.get(tp.partition),
    lastCommitted: undefined,
    recordsRead: 0,
    committedOffset: run.committedStart.get(tp.partition),
    idleDeclarations: 0,
    idleLogged: false,
    emptyLogged: false,
    run: undefined,
    stepEnd: { maxEventTime, idle: queue.idle },
    stepMarks: [],
  };
  // Resuming at a committed offset: the state its commit restored is the state at that offset.
  const at = restored?.offset ?? run.committedStart.get(tp.partition);
  if (at !== undefined) info.stepMarks.push({ handedEnd: at, watermark, maxEventTime, idle: queue.idle });
  return info;
}
