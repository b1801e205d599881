/**
 * The Kafka source's steps: merged records (kafka_partition_merge.ts) are collected into the current step and
 * handed as a whole with the watermark after it; each step notes its offsets per partition and the merge's state
 * at its end (what a commit names, kafka_partition.ts). When a caught-up partition blocks the merge for
 * --idle-timeout, the merge goes on without it (the one timing-dependent choice, and only on a live topic).
 */
import type { Millis } from "../../../model/model";
import type { KafkaRecord, KafkaSourceSpec } from "../../../model/kafka_source_spec";
import { describeDuration } from "../../../lib/durations";
import type { SourceBatch, SourceRecord } from "./source";
import type { FetchedKafkaRecord } from "./kafka_event_time";
import type { PartitionMerge, PartitionQueue, QueuedBatch } from "./kafka_partition_merge";
import { caughtUp, markStep, position, type PartitionInfo } from "./kafka_partition";
import type { KafkaIntake } from "./kafka_intake";
import type { KafkaSourceStats } from "./kafka_source_stats";
import type { KafkaClock } from "./kafka_clock";

export class KafkaSteps {
  /** The watermark handed last. */
  lastWatermark: Millis;
  /** The largest event time (that moves the watermark) handed by this run. */
  maxEventTimeHanded: Millis = Number.NEGATIVE_INFINITY;
  /** The step being merged (handed as a whole when it ends) and its reusable records. */
  private readonly out: SourceRecord<KafkaRecord>[] = [];
  private readonly slots: { value: KafkaRecord; timestamp: Millis }[] = [];
  /** `out` was handed by the last read: the runner is done with it at the next. */
  private outHanded = false;

  constructor(
    private readonly spec: KafkaSourceSpec,
    private readonly merge: PartitionMerge<FetchedKafkaRecord>,
    private readonly intake: KafkaIntake,
    private readonly stats: KafkaSourceStats,
    private readonly clock: KafkaClock,
    private readonly warn: (line: string) => void,
  ) {
    this.lastWatermark = merge.watermark;
  }

  /** The runner is done with the step handed last: its records are reused. */
  release(): void {
    if (this.outHanded) {
      this.out.length = 0;
      this.outHanded = false;
    }
  }

  /** One merged record into the step: skipped when a restored commit says it is durable, else a slot of `out`. */
  private readonly take = (queue: PartitionQueue<FetchedKafkaRecord>, batch: QueuedBatch<FetchedKafkaRecord>, i: number): void => {
    const record = batch.records[i];
    const info = this.intake.infoOf[queue.partition];
    if (info === undefined) return;
    const timestamp = record.rejected !== undefined ? this.merge.watermark : batch.times[i];
    let run = info.run;
    if (info.restored !== undefined) {
      const offset = Number(record.offset);
      if (info.offsets.alreadyDurable(offset, timestamp)) {
        if (run !== undefined) info.offsets.handedRange(run.first, offset, run.max);
        info.run = undefined;
        info.offsets.skipped(offset);
        this.stats.skippedAsDurable++;
        return;
      }
    }
    if (run === undefined) {
      run = { first: Number(record.offset), last: record, max: timestamp, passedEnd: 0 };
      info.run = run;
    } else {
      run.last = record;
      if (timestamp > run.max) run.max = timestamp;
    }
    if (batch.next === batch.records.length && batch.end > run.passedEnd) run.passedEnd = batch.end;
    if (timestamp > this.maxEventTimeHanded && (batch.moves === null || batch.moves[i])) this.maxEventTimeHanded = timestamp;
    info.recordsRead++;
    const out = this.out;
    const n = out.length;
    let slot = this.slots[n];
    if (slot === undefined) {
      slot = { value: record, timestamp };
      this.slots[n] = slot;
    } else {
      slot.value = record;
      slot.timestamp = timestamp;
    }
    out.push(slot);
  };

  /** Hands the step merged so far, with the watermark after it: notes its offsets and the merge's state at its end. */
  hand(watermark: Millis): SourceBatch<KafkaRecord> {
    for (const info of this.intake.partitions.values()) {
      const run = info.run;
      if (run !== undefined) {
        info.offsets.handedRange(run.first, Number(run.last.offset) + 1, run.max);
        if (run.passedEnd > 0) info.offsets.skipped(run.passedEnd - 1);
        info.run = undefined;
      }
      info.stepEnd = { maxEventTime: info.queue.maxEventTime, idle: info.queue.idle };
      markStep(info, watermark);
    }
    this.intake.resumeDrained();
    this.stats.steps++;
    this.stats.handed += this.out.length;
    if (this.out.length > 0 && this.stats.firstHandedAt === 0) this.stats.firstHandedAt = this.clock.now();
    this.outHanded = true;
    this.lastWatermark = watermark;
    return { records: this.out, watermark };
  }

  /** Merges what is queued; a whole step when one ends (or the merge goes on without an idle partition). */
  next(now: Millis): SourceBatch<KafkaRecord> | undefined {
    this.release();
    const stop = this.merge.merge(Number.POSITIVE_INFINITY, this.take);
    this.intake.resumeDrained();
    if (stop.kind === "step") return this.hand(this.merge.endStep());
    if (stop.kind !== "blocked") return undefined;
    const blocking = this.intake.infoOf[stop.on.partition];
    if (blocking === undefined || !caughtUp(blocking)) return undefined; // its records are on their way
    // Caught up: it waits --idle-timeout since its last fetched batch, wherever it is, before the merge goes on
    // without it. Also at the log end offset it had when this run started: on a live topic that point is wherever
    // the run happened to start (a restart would cut the merged sequence elsewhere), and its next record may be on
    // its way. In a backfill the wait changes nothing but time: the same partitions are caught up at the same point.
    const silentSince = blocking.lastBatchAt ?? this.intake.assignedAt ?? now;
    if (now - silentSince < this.spec.idleTimeoutMs) return undefined;
    const endOfBacklog = (position(blocking) ?? 0) <= (this.intake.logEnds.get(blocking.tp.partition) ?? 0);
    // Caught up and silent for --idle-timeout: go on without it, and without every other partition that is empty
    // at its end offset now (in a backfill they have all ended: the same set in every run).
    for (const info of this.intake.partitions.values()) {
      if (!info.assigned || info.queue.idle || info.queue.buffered > 0 || !caughtUp(info)) continue;
      this.merge.declareIdle(info.queue);
      info.idleDeclarations++;
      this.stats.idleDeclarations++;
      this.sayIdle(info, endOfBacklog);
    }
    return this.hand(this.merge.endStep());
  }

  /**
   * Once per partition: a partition that never had a record says so; one that went silent on a live topic says the
   * merge goes on without it. At the end of a backlog read (every partition at the end offset it had when the run
   * started) nothing is said: that is the data's end, not the clock's choice.
   */
  private sayIdle(info: PartitionInfo, endOfBacklog: boolean): void {
    const partition = info.tp.partition;
    if (info.recordsRead === 0 && (info.highWatermark ?? 0) === 0) {
      if (info.emptyLogged) return;
      info.emptyLogged = true;
      this.warn(
        `kafka source: partition ${partition} of topic ${this.spec.topic} has no record (log end offset ` +
          `${String(info.highWatermark ?? 0)}): results wait at most ${describeDuration(this.spec.idleTimeoutMs)} ` +
          "(--idle-timeout) for it each time it blocks them; produce to it or key the records so it gets some",
      );
      return;
    }
    if (endOfBacklog || info.idleLogged) return;
    info.idleLogged = true;
    this.warn(
      `kafka source: partition ${partition} got no record after offset ${String(info.highWatermark)} for ` +
        `${describeDuration(this.spec.idleTimeoutMs)} (--idle-timeout): results go on without waiting for it (the ` +
        "one timing-dependent choice on a live topic; counted in pipeline_kafka_idle_partition_total)",
    );
  }
}
