/**
 * The Kafka source's intake: what the consumer's fetch loop delivers goes into each partition's bounded queue
 * (duplicates after a rebalance dropped, records the restored runner checkpoint reflects absorbed, event times
 * attached), fetching of a partition pauses when its queue is full and resumes at three quarters; assignments
 * and revocations add and remove partitions (a new one is read from where kafka_restore.ts says).
 */
import type { FetchedBatch, GroupMembership, KafkaConsumer, TopicPartition } from "../../../io/kafka/kafka_client";
import type { KafkaClientError } from "../../../io/kafka/kafka_client";
import type { Millis } from "../../../model/model";
import type { KafkaSourceSpec } from "../../../model/kafka_source_spec";
import type { EventTimes, FetchedKafkaRecord } from "./kafka_event_time";
import type { GroupGuard } from "./kafka_group_guard";
import type { PartitionMerge, QueuedBatch } from "./kafka_partition_merge";
import type { PartitionInfo } from "./kafka_partition";
import { restoredPartition, type RestoredRun } from "./kafka_restore";
import type { KafkaSourceStats } from "./kafka_source_stats";
import type { KafkaClock } from "./kafka_clock";

/** What the intake is handed by the source. */
export interface IntakeContext {
  readonly spec: KafkaSourceSpec;
  readonly clock: KafkaClock;
  readonly stats: KafkaSourceStats;
  readonly eventTimes: EventTimes;
  readonly guard: GroupGuard;
  readonly merge: PartitionMerge<FetchedKafkaRecord>;
  readonly run: RestoredRun;
  /** Per partition: the log end offset when the run started. */
  readonly logEnds: ReadonlyMap<number, number>;
  readonly topicPartitions: number;
  /** The source watermark now (a newly assigned partition's state at its committed offset). */
  readonly watermark: () => Millis;
  readonly fail: (error: KafkaClientError) => void;
  /** Something arrived (or failed): a waiting read() looks again. */
  readonly wake: () => void;
  readonly closing: () => boolean;
}

export class KafkaIntake {
  readonly partitions = new Map<string, PartitionInfo>();
  /** The partition of each merge queue, by partition number (the hot path looks it up per record: an array index). */
  readonly infoOf: (PartitionInfo | undefined)[] = [];
  consumer: KafkaConsumer | undefined;
  /** When the last record arrived (or the first partition was assigned). */
  lastRecordAt: Millis | undefined;
  /** When the first partitions were assigned. */
  assignedAt: Millis | undefined;
  /** Per partition: the log end offset when the run started. */
  readonly logEnds: ReadonlyMap<number, number>;
  /** Fetched records per partition before its fetching pauses. */
  private readonly queueCap: number;

  constructor(private readonly context: IntakeContext) {
    this.logEnds = context.logEnds;
    this.queueCap = Math.max(1, Math.floor(context.spec.maxBufferedRecords / Math.max(1, context.topicPartitions)));
  }

  /** Records fetched and not handed, over every partition. */
  buffered(): number {
    let n = 0;
    for (const info of this.partitions.values()) n += info.queue.buffered;
    return n;
  }

  /** Fetching resumes for a paused partition whose queue is down to three quarters of its cap. */
  resumeDrained(): void {
    for (const info of this.partitions.values()) {
      if (info.paused && info.queue.buffered <= this.queueCap * 0.75) {
        info.paused = false;
        this.consumer?.resume([info.tp]);
      }
    }
  }

  onAssignment(assigned: readonly TopicPartition[], member: GroupMembership): void {
    const { spec, merge } = this.context;
    const now = this.context.clock.now();
    this.lastRecordAt ??= now;
    this.assignedAt ??= now;
    const mine = assigned.filter((tp) => tp.topic === spec.topic).length;
    const refused = this.context.guard.assigned(mine, this.context.topicPartitions, member.isLeader);
    if (refused) this.context.fail(refused);
    const keys = new Set<string>();
    for (const tp of assigned) {
      if (tp.topic !== spec.topic) continue;
      const key = `${tp.topic}:${tp.partition}`;
      keys.add(key);
      let info = this.partitions.get(key);
      if (info === undefined) {
        info = restoredPartition(tp, this.context.run, this.context.logEnds.get(tp.partition), spec.watermarkDelayMs, this.context.watermark());
        this.partitions.set(key, info);
        this.infoOf[tp.partition] = info;
        if (spec.from !== "committed" && info.startOffset !== undefined) this.consumer?.seek(tp, String(info.startOffset));
      } else if (info.fetchedEnd !== undefined) {
        // Rejoined after a rebalance: continue where we are instead of re-fetching from the last commit.
        this.consumer?.seek(tp, String(info.fetchedEnd));
      }
      if (!merge.partitions().includes(info.queue)) merge.add(info.queue);
      info.assigned = true;
      if (info.paused) this.consumer?.pause([tp]);
    }
    for (const info of this.partitions.values()) {
      if (keys.has(info.key) || !info.assigned) continue;
      // Revoked: its queued records are not handed; fetched again if the partition comes back.
      info.assigned = false;
      const first = info.queue.queued()[0];
      if (first !== undefined) {
        const offset = first.next < first.records.length ? Number(first.records[first.next].offset) : first.end;
        if (info.fetchedEnd === undefined || offset < info.fetchedEnd) info.fetchedEnd = offset;
      }
      info.queue.clear();
      merge.remove(info.queue);
    }
  }

  onBatch(batch: FetchedBatch): void {
    const { spec, stats } = this.context;
    if (this.context.closing() || batch.topic !== spec.topic) return;
    const info = this.partitions.get(`${batch.topic}:${batch.partition}`);
    if (info === undefined || !info.assigned) return;
    info.highWatermark = Math.max(info.highWatermark ?? 0, Number(batch.highWatermark));
    const now = this.context.clock.now();
    info.lastBatchAt = now;
    const fetched = batch.records;
    const end = Math.max(Number(batch.nextOffset), fetched.length > 0 ? Number(fetched[fetched.length - 1].offset) + 1 : 0);
    // Offsets increase within a batch: only its head can repeat what was fetched before (after a rebalance).
    let from = 0;
    if (info.fetchedEnd !== undefined) {
      while (from < fetched.length && Number(fetched[from].offset) < info.fetchedEnd) from++;
      stats.duplicatesDropped += from;
    }
    if (from === fetched.length && end <= (info.fetchedEnd ?? info.startOffset ?? 0)) return;
    info.fetchedEnd = end;
    // Records the restored runner checkpoint reflects: counted as handed (their offsets stay uncommitted until
    // the state that needs them is durable), never merged again.
    if (info.checkpointEnd !== undefined) from = this.absorbCheckpointed(info, batch, from);
    const timed = this.context.eventTimes.timed(batch.topic, batch.partition, fetched, from);
    const queued: QueuedBatch<FetchedKafkaRecord> = { records: timed.records, times: timed.times, moves: timed.moves, next: 0, end };
    info.queue.push(queued);
    if (timed.records.length > 0) this.lastRecordAt = now;
    if (!info.paused && info.queue.buffered >= this.queueCap) {
      info.paused = true;
      stats.pauses++;
      this.consumer?.pause([info.tp]);
    }
    this.context.wake();
  }

  /** Notes the fetched records below the restored checkpoint's end as handed (or durable); returns where the rest start. */
  private absorbCheckpointed(info: PartitionInfo, batch: FetchedBatch, from: number): number {
    const { stats, eventTimes } = this.context;
    const end = info.checkpointEnd ?? 0;
    const fetched = batch.records;
    let i = from;
    let runStart = -1;
    let runMax = Number.NEGATIVE_INFINITY;
    for (; i < fetched.length && Number(fetched[i].offset) < end; i++) {
      const offset = Number(fetched[i].offset);
      const eventTime = eventTimes.eventTime(fetched[i]);
      if (info.offsets.alreadyDurable(offset, eventTime)) {
        if (runStart >= 0) info.offsets.handedRange(runStart, offset, runMax);
        runStart = -1;
        runMax = Number.NEGATIVE_INFINITY;
        info.offsets.skipped(offset);
        stats.skippedAsDurable++;
        continue;
      }
      if (runStart < 0) runStart = offset;
      if (eventTime > runMax) runMax = eventTime;
      stats.inCheckpoint++;
    }
    if (runStart >= 0) info.offsets.handedRange(runStart, Number(fetched[i - 1].offset) + 1, runMax);
    if (i === fetched.length && Number(batch.nextOffset) <= end && Number(batch.nextOffset) > 0) info.offsets.skipped(Number(batch.nextOffset) - 1);
    return i;
  }
}
