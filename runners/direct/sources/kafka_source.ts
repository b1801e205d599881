/**
 * The direct runner's Kafka source: a consumer-group member (kafka_group_guard.ts) that fetches each partition into
 * its own bounded queue (kafka_intake.ts), merges the partitions in event-time order and hands the merged sequence
 * in steps, the watermark moving only between steps (kafka_partition_merge.ts, kafka_steps.ts), so that what the
 * runner sees is a function of the topic's records alone. Event times come from kafka_event_time.ts; offsets are
 * committed only for what the runner reports durable (kafka_offsets.ts, kafka_commits.ts), with the merge's state
 * at the last step in the commit metadata and a runner checkpoint (kafka_checkpoints.ts), from which a restart
 * continues the same merged sequence (kafka_restore.ts). docs/guarantees.md states the guarantee.
 *
 * One clock: the runner's (kafka_clock.ts). Listed for KAFKA_SOURCE_URN in registry.ts (BUILT_IN_SOURCES).
 */
import {
  createKafkaClient,
  probeBrokers,
  KafkaClientError,
  type KafkaAdmin,
  type KafkaClient,
  type KafkaConsumer,
} from "../../../io/kafka/kafka_client";
import { WATERMARK_DONE, type Millis } from "../../../model/model";
import { decodeKafkaSourceSpec, timestampMode, type KafkaRecord, type KafkaSourceSpec } from "../../../model/kafka_source_spec";
import { emptyCheckpointStats, KafkaCheckpoints, type CheckpointStats } from "./kafka_checkpoints";
import type { SourceBatch, SourceContext, SourceObservation, UnboundedSource } from "./source";
import { EventTimes, type FetchedKafkaRecord } from "./kafka_event_time";
import { GroupGuard } from "./kafka_group_guard";
import { PartitionMerge } from "./kafka_partition_merge";
import type { PartitionInfo } from "./kafka_partition";
import { KafkaCommits, type SourceState } from "./kafka_commits";
import { KafkaLag } from "./kafka_lag";
import { EndOfInput } from "./kafka_end_of_input";
import { KafkaClock } from "./kafka_clock";
import { KafkaIntake } from "./kafka_intake";
import { KafkaSteps } from "./kafka_steps";
import { restoreRun } from "./kafka_restore";
import { createKafkaSourceStats, describePartitions, type KafkaSourceStats, type PartitionDescription } from "./kafka_source_stats";

export type { KafkaSourceStats } from "./kafka_source_stats";

/** Records per step of the merged sequence: the watermark moves after each (a constant: never a tuning knob). */
export const STEP_RECORDS = 1024;

/**
 * Bytes one fetch returns per partition when the spec says none: about 5,000 sales events, the size of a partition's
 * queue at the default --max-buffered, so a paused partition holds at most about twice its cap (4 MiB held ~20,000
 * records per partition: peak RSS 650 MB against 360 MB at 1 M events in bench:kafka, at the same speed).
 */
export const DEFAULT_FETCH_BYTES_PER_PARTITION = 1024 * 1024;

/** What exists once the source is open: the merge, the intake feeding it and the steps cut from it. */
interface OpenSource {
  readonly merge: PartitionMerge<FetchedKafkaRecord>;
  readonly intake: KafkaIntake;
  readonly steps: KafkaSteps;
}

const NO_PARTITIONS: ReadonlyMap<string, PartitionInfo> = new Map();

export class KafkaSource implements UnboundedSource<KafkaRecord> {
  readonly bounded = false;
  readonly stats: KafkaSourceStats = createKafkaSourceStats();
  private readonly client: KafkaClient;
  private readonly mode: string;
  /** The one clock: the runner's once open (real time for this source). */
  private readonly clock = new KafkaClock();
  private consumer: KafkaConsumer | undefined;
  private admin: KafkaAdmin | undefined;
  private opened: OpenSource | undefined;
  private failure: KafkaClientError | undefined;
  private wake: (() => void) | undefined;
  private closing = false;
  private readonly warn: (line: string) => void = (line) => void process.stderr.write(line + "\n");
  private readonly eventTimes: EventTimes;
  private readonly guard: GroupGuard;
  private readonly lag: KafkaLag;
  private readonly endOfInput: EndOfInput;
  private commits: KafkaCommits;
  /** The last event time of an earlier run that drained at the end of its input (from the commit metadata). */
  private restoredDrainedAt: Millis | undefined;
  private checkpoints: KafkaCheckpoints | undefined;
  /** The first read handed the restored watermark (before any record). */
  private floorHanded = false;

  constructor(readonly spec: KafkaSourceSpec) {
    this.client = createKafkaClient({ bootstrapServers: spec.bootstrapServers, clientId: spec.clientId, retryBudgetMs: spec.retryBudgetMs });
    this.mode = timestampMode(spec);
    const now = this.clock.now;
    this.eventTimes = new EventTimes(spec, now, this.warn);
    this.guard = new GroupGuard(spec.groupId, spec.groupWaitMs, now);
    this.lag = new KafkaLag(spec.topic, now);
    this.endOfInput = new EndOfInput(spec);
    this.commits = new KafkaCommits(spec.commitIntervalMs, undefined, (e) => this.fail(e));
  }

  async open(context: SourceContext): Promise<void> {
    this.clock.bind(context);
    const spec = this.spec;
    await probeBrokers(this.client.connection);
    const admin = await this.client.admin();
    this.admin = admin;
    const offsets = await this.topicOffsets(admin);
    const logEnds = new Map(offsets.map((o) => [o.partition, Number(o.high)] as const));
    await this.guard.waitForGroupToBeFree(admin, () => this.closing);
    if (context.checkpoints !== undefined) {
      this.checkpoints = await KafkaCheckpoints.withStateTopic(context.checkpoints, this.client, admin, spec.groupId, spec.topic, this.warn);
    }
    if (context.checkpoints !== undefined || context.onCommitted !== undefined) {
      this.commits = new KafkaCommits(spec.commitIntervalMs, this.checkpoints, (e) => this.fail(e), context.onCommitted);
    }
    if (this.checkpoints !== undefined) {
      const problem = await this.checkpoints.checkWritable();
      if (problem !== undefined) throw new KafkaClientError(problem, false);
    }
    const run = await restoreRun(spec, this.mode, admin, offsets, this.checkpoints);
    this.restoredDrainedAt = run.drainedAt;
    this.stats.restoredCheckpoint = run.checkpointId;
    const merge = new PartitionMerge<FetchedKafkaRecord>({ stepRecords: STEP_RECORDS, watermarkDelay: spec.watermarkDelayMs, initialWatermark: run.floor });
    const intake: KafkaIntake = new KafkaIntake({
      spec,
      clock: this.clock,
      stats: this.stats,
      eventTimes: this.eventTimes,
      guard: this.guard,
      merge,
      run,
      logEnds,
      topicPartitions: offsets.length,
      watermark: (): Millis => steps.lastWatermark,
      fail: (e) => this.fail(e),
      warn: this.warn,
      wake: () => this.wake?.(),
      closing: () => this.closing,
    });
    const steps: KafkaSteps = new KafkaSteps(spec, merge, intake, this.stats, this.clock, this.warn);
    this.opened = { merge, intake, steps };

    const consumer = this.client.consumer({
      groupId: spec.groupId,
      fallbackToEarliest: spec.from !== "latest",
      maxBytesPerPartition: spec.fetchMaxBytes ?? DEFAULT_FETCH_BYTES_PER_PARTITION,
    });
    this.consumer = consumer;
    intake.consumer = consumer;
    await consumer.start([spec.topic], {
      onAssignment: (assigned, member) => intake.onAssignment(assigned, member),
      onBatch: (batch) => intake.onBatch(batch),
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

  private partitions(): ReadonlyMap<string, PartitionInfo> {
    return this.opened?.intake.partitions ?? NO_PARTITIONS;
  }

  async read(maxWaitMs: number): Promise<SourceBatch<KafkaRecord>> {
    this.failure ??= this.guard.check();
    if (this.failure) throw this.failure;
    const opened = this.opened;
    if (opened === undefined) throw new Error("the Kafka source was read before open(): open it first");
    const { intake, steps } = opened;
    if (!this.floorHanded) {
      // The restored watermark first, on its own: the first step's records must meet it, as they did before.
      this.floorHanded = true;
      if (steps.lastWatermark > Number.NEGATIVE_INFINITY) return { records: [], watermark: steps.lastWatermark };
    }
    let now = this.clock.now();
    let step = this.endOfInput.finished ? undefined : steps.next(now);
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
      now = this.clock.now();
      if (waitStart > 0) this.stats.starvedMs += now - waitStart;
      if (this.failure) throw this.failure;
      step = steps.next(now);
    }
    this.lag.refresh(this.admin, intake.partitions, this.closing);
    if (step !== undefined) return step;
    const quiet = now - (intake.lastRecordAt ?? now);
    if (await this.endOfInput.check(this.admin, this.consumer, intake.partitions, quiet, intake.buffered(), now)) {
      // The end of input: the step merged so far, then +∞.
      return steps.hand(WATERMARK_DONE);
    }
    steps.release();
    return { records: [], watermark: steps.lastWatermark };
  }

  onDurable(durableBefore: Millis, final = false): Promise<void> {
    this.commits.onDurable(this.consumer, this.partitions().values(), this.sourceState(), durableBefore, final, this.clock.now());
    return Promise.resolve();
  }

  /** Windows an earlier run closed when it drained at the end of its input start at or before this. */
  closedThrough(): Millis | undefined {
    return this.restoredDrainedAt;
  }

  /** What the commits say of the source now (kafka_commits.ts decides when a drain may be recorded as closing windows). */
  private sourceState(): SourceState {
    const lastWatermark = this.opened?.steps.lastWatermark ?? Number.NEGATIVE_INFINITY;
    const finished = lastWatermark === WATERMARK_DONE;
    // The largest event time of the job so far: merged by this run, or before its restart (restored per partition).
    let newest = this.opened?.steps.maxEventTimeHanded ?? Number.NEGATIVE_INFINITY;
    for (const info of this.partitions().values()) if (info.queue.maxEventTime > newest) newest = info.queue.maxEventTime;
    const drained = finished && newest > Number.NEGATIVE_INFINITY ? newest : undefined;
    const drainedAt = drained === undefined ? this.restoredDrainedAt : Math.max(drained, this.restoredDrainedAt ?? drained);
    return {
      drainedAt,
      restoredDrainedAt: this.restoredDrainedAt,
      // Never +∞: a later run must still accept new data.
      sourceWatermark: finished ? newest : lastWatermark,
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
      await this.commits.close(this.consumer, this.partitions().values(), this.sourceState(), this.failure !== undefined);
    } finally {
      await this.consumer?.stop();
      await this.checkpoints?.close();
      await this.admin?.close();
    }
    // A failure the run did not see (the final commit, a crash after the last read): the run did not do what was asked.
    if (this.failure) throw this.failure;
  }

  /** Runner checkpoints written with commits, the time spent taking them (ms, while the runner waited), the last size. */
  checkpointStats(): CheckpointStats {
    return this.checkpoints?.stats ?? emptyCheckpointStats();
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
  describe(): PartitionDescription[] {
    return this.opened === undefined ? [] : describePartitions(this.partitions().values(), this.opened.merge);
  }

  /** Connection state and per-partition counts, offsets and watermarks (metrics, health, status page). */
  observe(): SourceObservation {
    const merge = this.opened?.merge;
    const partitions = merge === undefined ? [] : this.lag.snapshot(this.partitions().values(), (i) => merge.partitionWatermark(i.queue));
    const health = this.consumer?.health();
    const connected = health !== undefined && health.connected && this.failure === undefined && !this.closing && !this.lag.brokerSilent();
    return { connected, partitions, outages: health?.outages ?? 0 };
  }
}

export function kafkaSource(payload: Uint8Array): KafkaSource {
  return new KafkaSource(decodeKafkaSourceSpec(payload));
}
