/**
 * The direct runner's Kafka source: a consumer-group member (kafka_group_guard.ts) that fetches each partition into
 * its own bounded queue (fetching of a partition pauses when its queue is full, resumes at three quarters), merges
 * the partitions in event-time order and hands the merged sequence in steps, the watermark moving only between steps
 * (kafka_partition_merge.ts), so that what the runner sees is a function of the topic's records alone. Event times
 * come from kafka_event_time.ts; offsets are committed only for what the runner reports durable (kafka_offsets.ts,
 * kafka_commits.ts), with the merge's state at the last step in the commit metadata and a runner checkpoint
 * (kafka_checkpoints.ts), so that a restart continues the same merged sequence. docs/guarantees.md states the
 * guarantee.
 *
 * One clock: the runner's (`context.now()`). Listed for KAFKA_SOURCE_URN in registry.ts (BUILT_IN_SOURCES).
 */
import {
  createKafkaClient,
  probeBrokers,
  KafkaClientError,
  type FetchedBatch,
  type GroupMembership,
  type KafkaAdmin,
  type KafkaClient,
  type KafkaConsumer,
  type TopicPartition,
} from "../../../io/kafka/kafka_client";
import { WATERMARK_DONE, type Millis } from "../../../model/model";
import { createPartitionOffsets, decodeCommitMetadata, type CommitMetadata } from "./kafka_offsets";
import { decodeKafkaSourceSpec, timestampMode, type KafkaRecord, type KafkaSourceSpec } from "../../../model/kafka_source_spec";
import { KafkaCheckpoints } from "./kafka_checkpoints";
import type { SourceBatch, SourceContext, SourceObservation, SourceRecord, UnboundedSource } from "./source";
import { EventTimes, type FetchedKafkaRecord } from "./kafka_event_time";
import { GroupGuard } from "./kafka_group_guard";
import { PartitionMerge, PartitionQueue, type QueuedBatch } from "./kafka_partition_merge";
import { caughtUp, markStep, position, type PartitionInfo } from "./kafka_partition";
import { KafkaCommits, type SourceState } from "./kafka_commits";
import { KafkaLag } from "./kafka_lag";
import { EndOfInput } from "./kafka_end_of_input";
import { describeDuration } from "../../../lib/durations";

/** Records per step of the merged sequence: the watermark moves after each (a constant: never a tuning knob). */
export const STEP_RECORDS = 1024;

/**
 * Bytes one fetch returns per partition when the spec says none: about 5,000 sales events, the size of a partition's
 * queue at the default --max-buffered, so a paused partition holds at most about twice its cap (4 MiB held ~20,000
 * records per partition: peak RSS 650 MB against 360 MB at 1 M events in bench:kafka, at the same speed).
 */
export const DEFAULT_FETCH_BYTES_PER_PARTITION = 1024 * 1024;

/** Statistics, for logs and tests. */
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

export class KafkaSource implements UnboundedSource<KafkaRecord> {
  readonly bounded = false;
  readonly stats: KafkaSourceStats = {
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
  private readonly client: KafkaClient;
  private readonly mode: string;
  /** The one clock: the runner's (real time for this source). */
  private clock: () => Millis = () => Date.now();
  private consumer: KafkaConsumer | undefined;
  private admin: KafkaAdmin | undefined;
  private merge: PartitionMerge<FetchedKafkaRecord>;
  private readonly partitions = new Map<string, PartitionInfo>();
  private readonly restored = new Map<number, CommitMetadata>();
  private readonly committedStart = new Map<number, number>();
  private readonly logEnds = new Map<number, number>();
  private failure: KafkaClientError | undefined;
  private wake: (() => void) | undefined;
  private lastWatermark: Millis = Number.NEGATIVE_INFINITY;
  private maxEventTimeHanded: Millis = Number.NEGATIVE_INFINITY;
  /** When the last record arrived (or the first partition was assigned). */
  private lastRecordAt: Millis | undefined;
  private closing = false;
  private readonly warn: (line: string) => void = (line) => void process.stderr.write(line + "\n");
  private readonly eventTimes: EventTimes;
  private readonly guard: GroupGuard;
  private readonly lag: KafkaLag;
  private readonly endOfInput: EndOfInput;
  private commits: KafkaCommits;
  /** The step being merged (handed as a whole when it ends) and its reusable records. */
  private readonly out: SourceRecord<KafkaRecord>[] = [];
  private readonly slots: { value: KafkaRecord; timestamp: Millis }[] = [];
  /** `out` was handed by the last read: the runner is done with it at the next. */
  private outHanded = false;
  /** The partition of each merge queue, by partition number (the hot path looks it up per record: an array index). */
  private readonly infoOf: (PartitionInfo | undefined)[] = [];
  private topicPartitions = 0;
  private checkpointEnds: ReadonlyMap<number, number> = new Map();
  /** The last event time of an earlier run that drained at the end of its input (from the commit metadata). */
  private restoredDrainedAt: Millis | undefined;
  private checkpoints: KafkaCheckpoints | undefined;
  /** When the first partitions were assigned. */
  private assignedAt: Millis | undefined;
  /** The first read handed the restored watermark (before any record). */
  private floorHanded = false;
  /** Fetched records per partition before its fetching pauses. */
  private queueCap = 1;

  constructor(readonly spec: KafkaSourceSpec) {
    this.client = createKafkaClient({ bootstrapServers: spec.bootstrapServers, clientId: spec.clientId, retryBudgetMs: spec.retryBudgetMs });
    this.mode = timestampMode(spec);
    const now = (): Millis => this.clock();
    this.merge = new PartitionMerge({ stepRecords: STEP_RECORDS, watermarkDelay: spec.watermarkDelayMs });
    this.eventTimes = new EventTimes(spec, now, this.warn);
    this.guard = new GroupGuard(spec.groupId, spec.groupWaitMs, now);
    this.lag = new KafkaLag(spec.topic, now);
    this.endOfInput = new EndOfInput(spec);
    this.commits = new KafkaCommits(spec.commitIntervalMs, undefined, (e) => this.fail(e));
  }

  async open(context: SourceContext): Promise<void> {
    this.clock = () => context.now();
    const spec = this.spec;
    await probeBrokers(this.client.connection);
    const admin = await this.client.admin();
    this.admin = admin;
    const offsets = await this.topicOffsets(admin);
    this.topicPartitions = offsets.length;
    this.queueCap = Math.max(1, Math.floor(spec.maxBufferedRecords / Math.max(1, offsets.length)));
    for (const o of offsets) this.logEnds.set(o.partition, Number(o.high));
    await this.guard.waitForGroupToBeFree(admin, () => this.closing);
    const startAt = new Map<number, number>();
    let floor = Number.NEGATIVE_INFINITY;
    if (context.checkpoints !== undefined) {
      this.checkpoints = new KafkaCheckpoints(context.checkpoints, spec.groupId, spec.topic, this.warn);
      this.commits = new KafkaCommits(spec.commitIntervalMs, this.checkpoints, (e) => this.fail(e));
      const problem = await this.checkpoints.checkWritable();
      if (problem !== undefined) throw new KafkaClientError(problem, false);
    }
    if (spec.from === "committed") {
      for (const c of await admin.committedOffsets(spec.groupId, spec.topic)) {
        if (c.offset === null) continue;
        const offset = Number(c.offset);
        this.committedStart.set(c.partition, offset);
        const metadata = decodeCommitMetadata(c.metadata, offset, this.mode);
        if (metadata === undefined) continue;
        this.restored.set(c.partition, metadata);
        if (metadata.sourceWatermark > floor) floor = metadata.sourceWatermark;
        if (metadata.drainedAt !== undefined && !(metadata.drainedAt <= (this.restoredDrainedAt ?? Number.NEGATIVE_INFINITY))) {
          this.restoredDrainedAt = metadata.drainedAt;
        }
      }
      const resumed = await this.checkpoints?.restore(this.restored, this.committedStart.size);
      if (resumed) {
        this.checkpointEnds = resumed.handedEnds;
        this.stats.restoredCheckpoint = resumed.id;
      }
      for (const o of offsets) startAt.set(o.partition, this.committedStart.get(o.partition) ?? Number(o.low));
    } else {
      for (const o of offsets) startAt.set(o.partition, Number(spec.from === "earliest" ? o.low : o.high));
    }
    this.merge = new PartitionMerge({ stepRecords: STEP_RECORDS, watermarkDelay: spec.watermarkDelayMs, initialWatermark: floor });
    this.lastWatermark = floor;

    const consumer = this.client.consumer({
      groupId: spec.groupId,
      fallbackToEarliest: spec.from !== "latest",
      maxBytesPerPartition: spec.fetchMaxBytes ?? DEFAULT_FETCH_BYTES_PER_PARTITION,
    });
    this.consumer = consumer;
    await consumer.start([spec.topic], {
      onAssignment: (assigned, member) => this.onAssignment(assigned, startAt, member),
      onBatch: (batch) => this.onBatch(batch),
      onFailure: (error) => this.fail(error),
    });
  }

  private fail(error: KafkaClientError): void {
    this.failure ??= error;
    this.wake?.();
  }

  private async topicOffsets(admin: KafkaAdmin): Promise<{ partition: number; low: string; high: string }[]> {
    if (!(await admin.listTopics()).includes(this.spec.topic)) {
      throw new KafkaClientError(
        `topic "${this.spec.topic}" does not exist at ${this.spec.bootstrapServers.join(",")}: ` +
          `produce to it first (npm run produce -- --topic ${this.spec.topic}) or pass another --topic`,
        false,
      );
    }
    return admin.topicOffsets(this.spec.topic);
  }

  private onAssignment(assigned: readonly TopicPartition[], startAt: ReadonlyMap<number, number>, member: GroupMembership): void {
    const now = this.clock();
    this.lastRecordAt ??= now;
    this.assignedAt ??= now;
    const mine = assigned.filter((tp) => tp.topic === this.spec.topic).length;
    const refused = this.guard.assigned(mine, this.topicPartitions, member.isLeader);
    if (refused) this.fail(refused);
    const keys = new Set<string>();
    for (const tp of assigned) {
      if (tp.topic !== this.spec.topic) continue;
      const key = `${tp.topic}:${tp.partition}`;
      keys.add(key);
      let info = this.partitions.get(key);
      if (info === undefined) {
        const restored = this.restored.get(tp.partition);
        // The partition's largest event time at the last step handed: partitionWatermark + delay.
        const maxEventTime = (restored?.partitionWatermark ?? Number.NEGATIVE_INFINITY) + this.spec.watermarkDelayMs;
        const queue = new PartitionQueue<FetchedKafkaRecord>(tp.partition, maxEventTime);
        queue.idle = restored?.idle === true;
        info = {
          tp,
          key,
          offsets: createPartitionOffsets(restored),
          queue,
          fetchedEnd: undefined,
          startOffset: startAt.get(tp.partition),
          highWatermark: this.logEnds.get(tp.partition),
          assigned: true,
          paused: false,
          restored,
          checkpointEnd: this.checkpointEnds.get(tp.partition),
          lastCommitted: undefined,
          recordsRead: 0,
          committedOffset: this.committedStart.get(tp.partition),
          idleDeclarations: 0,
          backlogRead: false,
          idleLogged: false,
          run: undefined,
          stepEnd: { maxEventTime, idle: queue.idle },
          stepMarks: [],
        };
        // Resuming at a committed offset: the state its commit restored is the state at that offset.
        const at = restored?.offset ?? this.committedStart.get(tp.partition);
        if (at !== undefined) info.stepMarks.push({ handedEnd: at, watermark: this.lastWatermark, maxEventTime, idle: queue.idle });
        this.partitions.set(key, info);
        this.infoOf[tp.partition] = info;
        if (this.spec.from !== "committed" && info.startOffset !== undefined) this.consumer?.seek(tp, String(info.startOffset));
      } else if (info.fetchedEnd !== undefined) {
        // Rejoined after a rebalance: continue where we are instead of re-fetching from the last commit.
        this.consumer?.seek(tp, String(info.fetchedEnd));
      }
      if (!this.merge.partitions().includes(info.queue)) this.merge.add(info.queue);
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
      this.merge.remove(info.queue);
    }
  }

  private onBatch(batch: FetchedBatch): void {
    if (this.closing || batch.topic !== this.spec.topic) return;
    const info = this.partitions.get(`${batch.topic}:${batch.partition}`);
    if (info === undefined || !info.assigned) return;
    info.highWatermark = Math.max(info.highWatermark ?? 0, Number(batch.highWatermark));
    const now = this.clock();
    info.lastBatchAt = now;
    const fetched = batch.records;
    const end = Math.max(Number(batch.nextOffset), fetched.length > 0 ? Number(fetched[fetched.length - 1].offset) + 1 : 0);
    // Offsets increase within a batch: only its head can repeat what was fetched before (after a rebalance).
    let from = 0;
    if (info.fetchedEnd !== undefined) {
      while (from < fetched.length && Number(fetched[from].offset) < info.fetchedEnd) from++;
      this.stats.duplicatesDropped += from;
    }
    if (from === fetched.length && end <= (info.fetchedEnd ?? info.startOffset ?? 0)) return;
    info.fetchedEnd = end;
    // Records the restored runner checkpoint reflects: counted as handed (their offsets stay uncommitted until
    // the state that needs them is durable), never merged again.
    if (info.checkpointEnd !== undefined) from = this.absorbCheckpointed(info, batch, from);
    const timed = this.eventTimes.timed(batch.topic, batch.partition, fetched, from);
    const queued: QueuedBatch<FetchedKafkaRecord> = { records: timed.records, times: timed.times, moves: timed.moves, next: 0, end };
    info.queue.push(queued);
    if (timed.records.length > 0) this.lastRecordAt = now;
    if (!info.paused && info.queue.buffered >= this.queueCap) {
      info.paused = true;
      this.stats.pauses++;
      this.consumer?.pause([info.tp]);
    }
    this.wake?.();
  }

  /** Notes the fetched records below the restored checkpoint's end as handed (or durable); returns where the rest start. */
  private absorbCheckpointed(info: PartitionInfo, batch: FetchedBatch, from: number): number {
    const end = info.checkpointEnd ?? 0;
    const fetched = batch.records;
    let i = from;
    let runStart = -1;
    let runMax = Number.NEGATIVE_INFINITY;
    for (; i < fetched.length && Number(fetched[i].offset) < end; i++) {
      const offset = Number(fetched[i].offset);
      const eventTime = this.eventTimes.eventTime(fetched[i]);
      if (info.offsets.alreadyDurable(offset, eventTime)) {
        if (runStart >= 0) info.offsets.handedRange(runStart, offset, runMax);
        runStart = -1;
        runMax = Number.NEGATIVE_INFINITY;
        info.offsets.skipped(offset);
        this.stats.skippedAsDurable++;
        continue;
      }
      if (runStart < 0) runStart = offset;
      if (eventTime > runMax) runMax = eventTime;
      this.stats.inCheckpoint++;
    }
    if (runStart >= 0) info.offsets.handedRange(runStart, Number(fetched[i - 1].offset) + 1, runMax);
    if (i === fetched.length && Number(batch.nextOffset) <= end && Number(batch.nextOffset) > 0) info.offsets.skipped(Number(batch.nextOffset) - 1);
    return i;
  }

  /** One merged record into the step: skipped when a restored commit says it is durable, else a slot of `out`. */
  private readonly take = (queue: PartitionQueue<FetchedKafkaRecord>, batch: QueuedBatch<FetchedKafkaRecord>, i: number): void => {
    const record = batch.records[i];
    const info = this.infoOf[queue.partition];
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
  private handStep(watermark: Millis): SourceBatch<KafkaRecord> {
    for (const info of this.partitions.values()) {
      const run = info.run;
      if (run !== undefined) {
        info.offsets.handedRange(run.first, Number(run.last.offset) + 1, run.max);
        if (run.passedEnd > 0) info.offsets.skipped(run.passedEnd - 1);
        info.run = undefined;
      }
      info.stepEnd = { maxEventTime: info.queue.maxEventTime, idle: info.queue.idle };
      markStep(info, watermark);
      if (info.paused && info.queue.buffered <= this.queueCap * 0.75) {
        info.paused = false;
        this.consumer?.resume([info.tp]);
      }
    }
    this.stats.steps++;
    this.stats.handed += this.out.length;
    if (this.out.length > 0 && this.stats.firstHandedAt === 0) this.stats.firstHandedAt = this.clock();
    this.outHanded = true;
    this.lastWatermark = watermark;
    return { records: this.out, watermark };
  }

  /** Merges what is queued; a whole step when one ends (or the merge goes on without an idle partition). */
  private nextStep(now: Millis): SourceBatch<KafkaRecord> | undefined {
    if (this.outHanded) {
      this.out.length = 0;
      this.outHanded = false;
    }
    const stop = this.merge.merge(Number.POSITIVE_INFINITY, this.take);
    for (const info of this.partitions.values()) {
      if (info.paused && info.queue.buffered <= this.queueCap * 0.75) {
        info.paused = false;
        this.consumer?.resume([info.tp]);
      }
    }
    if (stop.kind === "step") return this.handStep(this.merge.endStep());
    if (stop.kind !== "blocked") return undefined;
    const blocking = this.partitions.get(`${this.spec.topic}:${stop.on.partition}`);
    if (blocking === undefined || !caughtUp(blocking)) return undefined; // its records are on their way
    // At the end of the backlog it had when this run started, it has ended as far as the data says (in a backfill,
    // the same point in every run): no wait. Later, it waits --idle-timeout since its last fetched batch.
    const endOfBacklog = !blocking.backlogRead && (position(blocking) ?? 0) >= (this.logEnds.get(blocking.tp.partition) ?? 0);
    const silentSince = blocking.lastBatchAt ?? this.assignedAt ?? now;
    if (!endOfBacklog && now - silentSince < this.spec.idleTimeoutMs) return undefined;
    blocking.backlogRead = true;
    // Caught up and silent for --idle-timeout: go on without it, and without every other partition that is empty
    // at its end offset now (in a backfill they have all ended: the same set in every run).
    for (const info of this.partitions.values()) {
      if (!info.assigned || info.queue.idle || info.queue.buffered > 0 || !caughtUp(info)) continue;
      this.merge.declareIdle(info.queue);
      info.idleDeclarations++;
      this.stats.idleDeclarations++;
      // Said once per partition when the wall clock decided (a live topic); the end of a backlog is the data's.
      if (!endOfBacklog && !info.idleLogged) {
        info.idleLogged = true;
        this.warn(
          `kafka source: partition ${info.tp.partition} got no record after offset ${String(info.highWatermark)} for ` +
            `${describeDuration(this.spec.idleTimeoutMs)} (--idle-timeout): results go on without waiting for it (the ` +
            "one timing-dependent choice on a live topic; counted in pipeline_kafka_idle_partition_total)",
        );
      }
    }
    return this.handStep(this.merge.endStep());
  }

  async read(maxWaitMs: number): Promise<SourceBatch<KafkaRecord>> {
    this.failure ??= this.guard.check();
    if (this.failure) throw this.failure;
    if (!this.floorHanded) {
      // The restored watermark first, on its own: the first step's records must meet it, as they did before.
      this.floorHanded = true;
      if (this.lastWatermark > Number.NEGATIVE_INFINITY) return { records: [], watermark: this.lastWatermark };
    }
    let now = this.clock();
    let step = this.endOfInput.finished ? undefined : this.nextStep(now);
    if (step === undefined && maxWaitMs > 0 && !this.endOfInput.finished) {
      const waitStart = this.stats.firstHandedAt === 0 ? 0 : now;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          this.wake = undefined;
          resolve();
        };
        const timer = setTimeout(done, maxWaitMs);
        this.wake = done;
      });
      now = this.clock();
      if (waitStart > 0) this.stats.starvedMs += now - waitStart;
      if (this.failure) throw this.failure;
      step = this.nextStep(now);
    }
    this.lag.refresh(this.admin, this.partitions, this.closing);
    if (step !== undefined) return step;
    const buffered = [...this.partitions.values()].reduce((n, i) => n + i.queue.buffered, 0);
    const quiet = now - (this.lastRecordAt ?? now);
    if (await this.endOfInput.check(this.admin, this.consumer, this.partitions, quiet, buffered, now)) {
      // The end of input: the step merged so far, then +∞.
      return this.handStep(WATERMARK_DONE);
    }
    if (this.outHanded) {
      this.out.length = 0;
      this.outHanded = false;
    }
    return { records: [], watermark: this.lastWatermark };
  }

  onDurable(durableBefore: Millis, final = false): Promise<void> {
    this.commits.onDurable(this.consumer, this.partitions.values(), this.sourceState(), durableBefore, final, this.clock());
    return Promise.resolve();
  }

  /** Windows an earlier run closed when it drained at the end of its input start at or before this. */
  closedThrough(): Millis | undefined {
    return this.restoredDrainedAt;
  }

  /** What the commits say of the source now (kafka_commits.ts decides when a drain may be recorded as closing windows). */
  private sourceState(): SourceState {
    const finished = this.lastWatermark === WATERMARK_DONE;
    // The largest event time of the job so far: merged by this run, or before its restart (restored per partition).
    let newest = this.maxEventTimeHanded;
    for (const info of this.partitions.values()) if (info.queue.maxEventTime > newest) newest = info.queue.maxEventTime;
    const drained = finished && newest > Number.NEGATIVE_INFINITY ? newest : undefined;
    const drainedAt = drained === undefined ? this.restoredDrainedAt : Math.max(drained, this.restoredDrainedAt ?? drained);
    return {
      drainedAt,
      restoredDrainedAt: this.restoredDrainedAt,
      // Never +∞: a later run must still accept new data.
      sourceWatermark: finished ? newest : this.lastWatermark,
      finished,
      watermarkDelay: this.spec.watermarkDelayMs,
      timestampMode: this.mode,
    };
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.wake?.();
    try {
      await this.commits.close(this.consumer, this.partitions.values(), this.sourceState(), this.failure !== undefined);
    } finally {
      await this.consumer?.stop();
      await this.admin?.close();
    }
    // A failure the run did not see (the final commit, a crash after the last read): the run did not do what was asked.
    if (this.failure) throw this.failure;
  }

  /** Runner checkpoints written with commits, the time spent taking them (ms, while the runner waited), the last size. */
  checkpointStats(): { readonly written: number; readonly captureMs: number; readonly bytes: number } {
    return this.checkpoints?.stats ?? { written: 0, captureMs: 0, bytes: 0 };
  }

  /** Commits made and failed, restarted fetches, future event times refused, group wait (for logs and tests). */
  clientStats(): { commits: number; commitFailures: number; reseeks: number; futureRejected: number; groupWaitMs: number } {
    return {
      ...this.commits.stats,
      reseeks: this.endOfInput.reseeks,
      futureRejected: this.eventTimes.futureRejected,
      groupWaitMs: this.guard.waitedMs,
    };
  }

  describeRecord(record: KafkaRecord): string {
    return `${record.topic}/${record.partition}@${record.offset}`;
  }

  /** Partition watermarks and commit positions, for logs and tests. */
  describe(): { partition: number; watermark: Millis; idle: boolean; commitOffset: number | undefined }[] {
    return [...this.partitions.values()]
      .filter((i) => i.assigned)
      .map((i) => ({
        partition: i.tp.partition,
        watermark: this.merge.partitionWatermark(i.queue),
        idle: i.queue.idle,
        commitOffset: i.offsets.commitOffset(),
      }));
  }

  /** Connection state and per-partition counts, offsets and watermarks (metrics, health, status page). */
  observe(): SourceObservation {
    const partitions = this.lag.snapshot(this.partitions.values(), (i) => this.merge.partitionWatermark(i.queue));
    const health = this.consumer?.health();
    const connected = health !== undefined && health.connected && this.failure === undefined && !this.closing && !this.lag.brokerSilent();
    return { connected, partitions, outages: health?.outages ?? 0 };
  }
}

export function kafkaSource(payload: Uint8Array): KafkaSource {
  return new KafkaSource(decodeKafkaSourceSpec(payload));
}
