/**
 * The direct runner's Kafka source: a consumer-group member that fetches batches into a bounded buffer (fetching
 * pauses when it is full and resumes when it is down to three quarters), hands records to the runner with
 * their event times and the watermark of kafka_watermarks.ts, and commits offsets only for what the runner reports
 * durable (kafka_offsets.ts), with the watermark and the durable records in the commit metadata so that a restart
 * resumes without loss and without counting anything twice. docs/guarantees.md states the guarantee.
 *
 * One pipeline instance per consumer group: partitions are not handed over between live instances (scale-out is
 * the Flink runner's job). Registered for KAFKA_SOURCE_URN when this module is imported.
 */
import {
  createKafkaClient,
  probeBrokers,
  KafkaClientError,
  type FetchedBatch,
  type FetchedRecord,
  type GroupMember,
  type GroupMembership,
  type KafkaAdmin,
  type KafkaClient,
  type KafkaConsumer,
  type OffsetCommit,
  type TopicPartition,
} from "../../../transforms/kafka_client";
import { formatEventTime, parseIsoTimestamp } from "../../../transforms/events";
import { WATERMARK_DONE, type Millis } from "../../../model/model";
import { createWatermarkPolicy, type WatermarkPolicy } from "./kafka_watermarks";
import {
  createPartitionOffsets,
  decodeCommitMetadata,
  encodeCommitMetadata,
  type CommitMetadata,
  type PartitionOffsets,
} from "./kafka_offsets";
import { KAFKA_SOURCE_URN, decodeKafkaSourceSpec, timestampMode, type KafkaRecord, type KafkaSourceSpec } from "../../../model/kafka_source_spec";
import { registerSource } from "./registry";
import { KafkaCheckpoints, type TakenCheckpoint } from "./kafka_checkpoints";
import type { SourceBatch, SourceContext, SourceObservation, SourceRecord, UnboundedSource } from "./source";

/** How long open() waits for a previous run to leave the group: its session timeout (10 s) and a margin. */
const DEFAULT_GROUP_WAIT_MS = 15_000;
/**
 * How long the group's leader tolerates sharing the partitions (the other member should leave: a newer instance
 * stops at once, a dying one is expelled after its session timeout) before it stops too.
 */
const SHARED_BOUND_MS = 30_000;
/** A partition with records waiting that delivered nothing for this long is fetched again from its position. */
const STALL_RESEEK_MS = 5_000;

/** The one-line error of a second instance in a consumer group. */
function groupInUse(spec: KafkaSourceSpec, detail: string): KafkaClientError {
  return new KafkaClientError(
    `consumer group ${spec.groupId} is in use by another running instance (${detail}): the direct runner runs one ` +
      "pipeline per consumer group; stop the other instance or pass another --group-id",
    false,
  );
}

function describeMembers(members: readonly GroupMember[]): string {
  return members.map((m) => `${m.clientId} on ${m.clientHost.replace(/^\//, "")}`).join(", ");
}

/** The first records of each partition whose `timestamp` field is compared with their record timestamp. */
const TIMESTAMP_SAMPLE = 10;

/** The most records one read() hands to the runner. */
const MAX_RECORDS_PER_READ = 8192;

interface PartitionInfo {
  readonly tp: TopicPartition;
  readonly key: string;
  offsets: PartitionOffsets;
  /** The offset after the last fetched record: anything below is a duplicate delivery (after a rebalance). */
  fetchedEnd: number | undefined;
  /** Where reading started when nothing was fetched yet (committed offset, log start or end). */
  startOffset: number | undefined;
  /** The log end offset seen in the last fetched batch. */
  highWatermark: number | undefined;
  assigned: boolean;
  /** Records of this partition whose `timestamp` field was compared with the record timestamp, and how many
   * disagreed (by more than the watermark delay), with their differences. */
  sampled: number;
  disagreed: number;
  differences: number[];
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
}

/**
 * A KafkaRecord as fetched: one object per record with a fixed shape, whose key is decoded from its bytes only when
 * asked (dead letters ask; the aggregation never does), so no key string is made per record.
 */
class FetchedKafkaRecord implements KafkaRecord {
  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly offset: string,
    readonly timestamp: Millis,
    readonly keyBytes: Buffer | null,
    readonly value: Uint8Array | null,
    readonly rejected: string | undefined,
  ) {}

  get key(): string | null {
    return this.keyBytes === null ? null : this.keyBytes.toString("utf8");
  }
}

/** One fetched batch of one partition, waiting to be handed to the runner (the hot path: no per-record wrapper). */
interface Chunk {
  readonly info: PartitionInfo;
  readonly records: FetchedKafkaRecord[];
  /** Event times from the JSON field (null: the record timestamps are the event times). */
  readonly eventTimes: number[] | null;
  /** Per record: false when the event-time field was missing (the record timestamp stood in; it does not move
   * the watermark). Null when every record has its event time. */
  readonly hasEventTime: boolean[] | null;
  /** The next record to hand. */
  next: number;
  /**
   * The offset after everything the fetch covered (FetchedBatch.nextOffset): past its last record and past any
   * transaction markers and aborted records after it. Reached once the chunk is handed.
   */
  readonly end: number;
}

/** One commit as taken at an onDurable call: per partition its offset, metadata and handed end; maybe a checkpoint. */
interface CapturedCommit {
  readonly partitions: readonly { readonly info: PartitionInfo; readonly metadata: CommitMetadata; readonly handedEnd: number }[];
  readonly checkpoint: TakenCheckpoint | undefined;
}

/** What a partition's commit says (offset, handed end, metadata without the checkpoint): equal text, nothing new. */
function commitText(p: CapturedCommit["partitions"][number]): string {
  return `${p.metadata.offset}|${p.handedEnd}|${encodeCommitMetadata(p.metadata)}`;
}

/** Statistics, for logs and tests. */
export interface KafkaSourceStats {
  handed: number;
  skippedAsDurable: number;
  /** Re-read records not handed because the restored runner checkpoint already reflects them. */
  inCheckpoint: number;
  /** The id of the runner checkpoint this run restored (undefined: none). */
  restoredCheckpoint: string | undefined;
  duplicatesDropped: number;
  /** Fetches restarted on partitions that had records waiting and delivered none (after rebalances). */
  reseeks: number;
  /** How long open() waited for a previous run to leave the consumer group (ms). */
  groupWaitMs: number;
  /** Records whose event time was too far in the future (--max-future-skew). */
  futureRejected: number;
  pauses: number;
  commits: number;
  commitFailures: number;
  /** Date.now() when the first record was handed to the runner (0 before). */
  firstHandedAt: number;
  /**
   * Milliseconds read() waited with an empty buffer after the first record: the runner waited for the client
   * (the broker, or the client decoding fetched data on the same thread).
   */
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
    futureRejected: 0,
    reseeks: 0,
    groupWaitMs: 0,
    pauses: 0,
    commits: 0,
    commitFailures: 0,
    firstHandedAt: 0,
    starvedMs: 0,
  };
  private readonly client: KafkaClient;
  private readonly mode: string;
  private context: SourceContext | undefined;
  private consumer: KafkaConsumer | undefined;
  private admin: KafkaAdmin | undefined;
  private policy: WatermarkPolicy;
  private readonly partitions = new Map<string, PartitionInfo>();
  private readonly restored = new Map<number, CommitMetadata>();
  private readonly committedStart = new Map<number, number>();
  private chunks: Chunk[] = [];
  private chunkHead = 0;
  /** Records fetched and not yet handed. */
  private buffered = 0;
  private paused = false;
  private failure: KafkaClientError | undefined;
  private wake: (() => void) | undefined;
  private lastWatermark: Millis = Number.NEGATIVE_INFINITY;
  private maxEventTimeHanded: Millis = Number.NEGATIVE_INFINITY;
  private lastCommitAt = Number.NEGATIVE_INFINITY;
  private lastEndCheckAt = Number.NEGATIVE_INFINITY;
  /** Wall-clock time of the last log-end-offset refresh (metrics: consumer lag while fetching is paused). */
  private lastLogEndRefreshAt = Date.now();
  private refreshingLogEnd = false;
  /** The last refresh failed: the broker did not answer (readiness). */
  private logEndRefreshFailed = false;
  private finished = false;
  private closing = false;
  /** The record timestamps were compared with the events' `timestamp` field (and warned about if need be). */
  private timestampChecked = false;
  /** Where warnings go (one line each). */
  private readonly warn: (line: string) => void = (line) => void process.stderr.write(line + "\n");
  /** The batch read() hands (refilled every read) and its reusable records. */
  private readonly out: SourceRecord<KafkaRecord>[] = [];
  private readonly slots: { value: KafkaRecord; timestamp: Millis }[] = [];
  /** Partitions of the topic (when opened). */
  private topicPartitions = 0;
  /** Since when another member shares the group's partitions (undefined: this member has them all). */
  private sharedSince: number | undefined;
  private commits: Promise<void> = Promise.resolve();
  private commitQueued = false;
  /** The partitions' handed ends the restored runner checkpoint reflects. */
  private checkpointEnds: ReadonlyMap<number, number> = new Map();
  /** This source's runner checkpoints (undefined: none are taken). */
  private checkpoints: KafkaCheckpoints | undefined;
  /** The final onDurable of a clean shutdown queued its commit: close() has nothing left to commit. */
  private finalCommitQueued = false;

  constructor(readonly spec: KafkaSourceSpec) {
    this.client = createKafkaClient({ bootstrapServers: spec.bootstrapServers, clientId: spec.clientId, retryBudgetMs: spec.retryBudgetMs });
    this.mode = timestampMode(spec);
    this.policy = createWatermarkPolicy({ watermarkDelay: spec.watermarkDelayMs, idleTimeout: spec.idleTimeoutMs });
  }

  async open(context: SourceContext): Promise<void> {
    this.context = context;
    const spec = this.spec;
    await probeBrokers(this.client.connection);
    const admin = await this.client.admin();
    this.admin = admin;
    const offsets = await this.topicOffsets(admin);
    this.topicPartitions = offsets.length;
    await this.waitForGroupToBeFree(admin);
    const startAt = new Map<number, number>();
    let floor = Number.NEGATIVE_INFINITY;
    if (context.checkpoints !== undefined) {
      this.checkpoints = new KafkaCheckpoints(context.checkpoints, spec.groupId, spec.topic, this.warn);
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
    this.policy = createWatermarkPolicy({
      watermarkDelay: spec.watermarkDelayMs,
      idleTimeout: spec.idleTimeoutMs,
      initialWatermark: floor,
    });
    this.lastWatermark = floor;

    const consumer = this.client.consumer({ groupId: spec.groupId, fallbackToEarliest: spec.from !== "latest" });
    this.consumer = consumer;
    await consumer.start([spec.topic], {
      onAssignment: (assigned, member) => this.onAssignment(assigned, startAt, member),
      onBatch: (batch) => this.onBatch(batch),
      onFailure: (error) => {
        this.failure = error;
        this.wake?.();
      },
    });
  }

  /**
   * One pipeline per consumer group (the direct runner's model): before joining, the group must be empty. A member
   * still there may be a previous run that is dying (a SIGKILLed process stays a member until its session times
   * out): wait for it, bounded; a member still there after that is a running instance, and this one stops.
   */
  private async waitForGroupToBeFree(admin: KafkaAdmin): Promise<void> {
    const spec = this.spec;
    const bound = spec.groupWaitMs ?? DEFAULT_GROUP_WAIT_MS;
    const deadline = Date.now() + bound;
    let members = await admin.groupMembers(spec.groupId);
    if (members.length === 0) return;
    process.stderr.write(
      `kafka source: consumer group ${spec.groupId} still has ${members.length} member(s) (${describeMembers(members)}); ` +
        `waiting up to ${describeDuration(bound)} for a previous run to leave\n`,
    );
    while (members.length > 0 && Date.now() < deadline && !this.closing) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      members = await admin.groupMembers(spec.groupId);
    }
    if (members.length > 0) throw groupInUse(spec, describeMembers(members));
    this.stats.groupWaitMs = bound - (deadline - Date.now());
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

  private now(): Millis {
    return this.context ? this.context.now() : Date.now();
  }

  private onAssignment(
    assigned: readonly TopicPartition[],
    startAt: ReadonlyMap<number, number>,
    member: GroupMembership,
  ): void {
    const now = this.now();
    // Another member in the group (started at the same moment, or not a pipeline at all): the newer one (not the
    // leader) stops now; the leader gets every partition once it has left, or stops too after the bounded wait.
    const mine = assigned.filter((tp) => tp.topic === this.spec.topic).length;
    if (mine < this.topicPartitions) {
      this.sharedSince ??= Date.now();
      if (!member.isLeader) {
        this.failure ??= groupInUse(this.spec, `this instance got ${mine} of ${this.topicPartitions} partitions`);
        this.wake?.();
      }
    } else {
      this.sharedSince = undefined;
    }
    const keys = new Set<string>();
    for (const tp of assigned) {
      if (tp.topic !== this.spec.topic) continue;
      const key = `${tp.topic}:${tp.partition}`;
      keys.add(key);
      let info = this.partitions.get(key);
      if (info === undefined) {
        const restored = this.restored.get(tp.partition);
        info = {
          tp,
          key,
          offsets: createPartitionOffsets(restored),
          fetchedEnd: undefined,
          startOffset: startAt.get(tp.partition),
          highWatermark: undefined,
          assigned: true,
          restored,
          checkpointEnd: this.checkpointEnds.get(tp.partition),
          lastCommitted: undefined,
          sampled: 0,
          disagreed: 0,
          differences: [],
          recordsRead: 0,
          committedOffset: this.committedStart.get(tp.partition),
        };
        this.partitions.set(key, info);
        if (this.spec.from !== "committed" && info.startOffset !== undefined) {
          this.consumer?.seek(tp, String(info.startOffset));
        }
      } else if (info.fetchedEnd !== undefined) {
        // Rejoined after a rebalance: continue where we are instead of re-fetching from the last commit.
        this.consumer?.seek(tp, String(info.fetchedEnd));
      }
      info.assigned = true;
      this.policy.assign(key, now, info.restored?.partitionWatermark);
      if (this.paused) {
        this.consumer?.pause([tp]);
        this.policy.setFetching(key, false, now);
      }
    }
    for (const info of this.partitions.values()) {
      if (!keys.has(info.key) && info.assigned) {
        info.assigned = false;
        this.policy.revoke(info.key);
      }
    }
  }

  private onBatch(batch: FetchedBatch): void {
    if (this.closing || batch.topic !== this.spec.topic) return;
    const key = `${batch.topic}:${batch.partition}`;
    const info = this.partitions.get(key);
    if (info === undefined || !info.assigned) return;
    info.highWatermark = Math.max(info.highWatermark ?? 0, Number(batch.highWatermark));
    info.lastBatchAt = this.now();
    const fetched = batch.records;
    const end = Math.max(Number(batch.nextOffset), fetched.length > 0 ? Number(fetched[fetched.length - 1].offset) + 1 : 0);
    // Offsets increase within a batch: only its head can repeat what was fetched before (after a rebalance).
    let from = 0;
    if (info.fetchedEnd !== undefined) {
      while (from < fetched.length && Number(fetched[from].offset) < info.fetchedEnd) from++;
      this.stats.duplicatesDropped += from;
    }
    if (from === fetched.length) {
      // No new record, but maybe new transaction markers or aborted records (a transactional producer's topic):
      // the position passes them, in order behind the chunks still buffered, so that the end of input is reached
      // and the commit moves past them.
      if (end > (info.fetchedEnd ?? info.startOffset ?? 0)) {
        info.fetchedEnd = end;
        this.chunks.push({ info, records: [], eventTimes: null, hasEventTime: null, next: 0, end });
        this.wake?.();
      }
      return;
    }
    info.fetchedEnd = end;
    const field = this.spec.timestampField;
    const topic = batch.topic;
    const partition = batch.partition;
    const records: FetchedKafkaRecord[] = new Array(fetched.length - from);
    const eventTimes: number[] | null = field === null ? null : [];
    let hasEventTime: boolean[] | null = field === null ? null : [];
    const skew = this.spec.maxFutureSkewMs ?? null;
    const futureLimit = skew === null ? Number.POSITIVE_INFINITY : Date.now() + skew;
    for (let i = from; i < fetched.length; i++) {
      const r = fetched[i];
      const timestamp = Number(r.timestamp);
      records[i - from] = new FetchedKafkaRecord(topic, partition, r.offset, timestamp, r.key ?? null, r.value, undefined);
      let eventTime = timestamp;
      if (field !== null && eventTimes !== null && hasEventTime !== null) {
        const fromField = eventTimeFromField(r.value, field);
        eventTime = fromField ?? timestamp;
        eventTimes.push(eventTime);
        hasEventTime.push(fromField !== undefined);
      }
      if (eventTime > futureLimit) this.rejectFuture(records, i - from, eventTime, skew ?? 0);
    }
    if (hasEventTime !== null && hasEventTime.every((h) => h)) hasEventTime = null;
    if (field === null && !this.timestampChecked) this.compareTimestampField(info, fetched, from);
    this.chunks.push({ info, records, eventTimes, hasEventTime, next: 0, end });
    this.buffered += records.length;
    this.policy.touch(key, this.now());
    if (!this.paused && this.buffered >= this.spec.maxBufferedRecords) this.pauseFetching();
    this.wake?.();
  }

  /**
   * Event time is the Kafka record timestamp by default (as KafkaIO's on Flink). When the events' own `timestamp`
   * field disagrees with it by more than the watermark delay in most of the first records of a partition (a
   * console producer stamps records with the time of sending), one warning says so and names --timestamp-field.
   */
  private compareTimestampField(info: PartitionInfo, fetched: readonly FetchedRecord[], from: number): void {
    const delay = this.spec.watermarkDelayMs;
    for (let i = from; i < fetched.length && info.sampled < TIMESTAMP_SAMPLE; i++) {
      const r = fetched[i];
      const fromField = eventTimeFromField(r.value, "timestamp");
      if (fromField === undefined) continue;
      info.sampled++;
      const difference = Math.abs(fromField - Number(r.timestamp));
      if (difference > delay) {
        info.disagreed++;
        info.differences.push(difference);
      }
    }
    if (info.sampled < TIMESTAMP_SAMPLE) return;
    if (info.disagreed * 2 > info.sampled) {
      this.timestampChecked = true;
      const sorted = [...info.differences].sort((a, b) => a - b);
      const median = sorted[Math.floor(sorted.length / 2)];
      this.warn(
        `kafka source: warning: event time is the Kafka record timestamp (the default), but the events' own ` +
          `"timestamp" field differs from it by more than the watermark delay (${describeDuration(delay)}) in ` +
          `${info.disagreed} of the first ${info.sampled} records of partition ${info.tp.partition} (median ` +
          `${describeDuration(median)}); with --timestamp-field timestamp, windows, the watermark and late data would ` +
          "follow the events' own times instead of when the records were produced",
      );
    } else if ([...this.partitions.values()].every((p) => p.sampled >= TIMESTAMP_SAMPLE)) {
      this.timestampChecked = true;
    }
  }

  /**
   * --max-future-skew: an event time too far ahead of the wall clock (a producer's wrong clock) must not move the
   * watermark, or every normal event after it would be late. The record is handed marked `rejected` (the parse
   * step makes it a dead letter), with the source watermark as its timestamp so that it holds nothing back.
   */
  private rejectFuture(records: FetchedKafkaRecord[], at: number, eventTime: Millis, skew: Millis): void {
    const record = records[at];
    const ahead = eventTime - Date.now();
    const reason =
      `event time ${formatEventTime(eventTime)} is ${describeDuration(ahead)} ahead of the wall clock ` +
      `(more than --max-future-skew ${describeDuration(skew)}): not used for the watermark`;
    records[at] = new FetchedKafkaRecord(record.topic, record.partition, record.offset, record.timestamp, record.keyBytes, record.value, reason);
    this.stats.futureRejected++;
  }

  private pauseFetching(): void {
    this.paused = true;
    this.stats.pauses++;
    const now = this.now();
    const assigned = [...this.partitions.values()].filter((i) => i.assigned);
    this.consumer?.pause(assigned.map((i) => i.tp));
    for (const i of assigned) this.policy.setFetching(i.key, false, now);
  }

  private resumeFetching(): void {
    this.paused = false;
    const now = this.now();
    const assigned = [...this.partitions.values()].filter((i) => i.assigned);
    this.consumer?.resume(assigned.map((i) => i.tp));
    for (const i of assigned) this.policy.setFetching(i.key, true, now);
  }

  async read(maxWaitMs: number): Promise<SourceBatch<KafkaRecord>> {
    const sharedSince = this.sharedSince;
    if (sharedSince !== undefined && Date.now() - sharedSince > Math.max(this.spec.groupWaitMs ?? 0, SHARED_BOUND_MS)) {
      this.failure ??= groupInUse(this.spec, `partitions shared for ${describeDuration(Date.now() - sharedSince)}`);
    }
    if (this.failure) throw this.failure;
    if (this.buffered === 0 && maxWaitMs > 0 && !this.finished) {
      const waitStart = this.stats.firstHandedAt === 0 ? 0 : Date.now();
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          this.wake = undefined;
          resolve();
        };
        const timer = setTimeout(done, maxWaitMs);
        this.wake = done;
      });
      if (waitStart > 0) this.stats.starvedMs += Date.now() - waitStart;
      if (this.failure) throw this.failure;
    }
    // One array and one set of SourceRecord objects, refilled by every read (the runner keeps no reference to a
    // batch once it calls read() again: source.ts): no per-record wrapper object for the young generation.
    const out = this.out;
    out.length = 0;
    const now = this.now();
    while (this.chunkHead < this.chunks.length && out.length < MAX_RECORDS_PER_READ) {
      const chunk = this.chunks[this.chunkHead];
      this.handChunk(chunk, out, now);
      if (chunk.next === chunk.records.length) this.chunkHead++;
    }
    if (this.chunkHead === this.chunks.length) {
      this.chunks = [];
      this.chunkHead = 0;
    } else if (this.chunkHead > 1024) {
      this.chunks = this.chunks.slice(this.chunkHead);
      this.chunkHead = 0;
    }
    if (out.length > 0 && this.stats.firstHandedAt === 0) this.stats.firstHandedAt = Date.now();
    this.stats.handed += out.length;
    // Resume while a quarter of the buffer is left: fetching restarts only after the client's poll interval, and
    // the runner should not run dry meanwhile.
    if (this.paused && this.buffered <= this.spec.maxBufferedRecords * 0.75) this.resumeFetching();
    if (out.length === 0) await this.checkEndOfInput(now);
    this.refreshLogEnd();
    this.lastWatermark = this.policy.current(now);
    return { records: out, watermark: this.lastWatermark };
  }

  /** Hands the chunk's records (up to the per-read limit), skipping those a restored commit says are durable. */
  private handChunk(chunk: Chunk, out: SourceRecord<KafkaRecord>[], now: Millis): void {
    const info = chunk.info;
    const { records, eventTimes, hasEventTime } = chunk;
    const limit = Math.min(records.length, chunk.next + MAX_RECORDS_PER_READ - out.length);
    const start = chunk.next;
    chunk.next = limit;
    this.buffered -= limit - start;
    if (!info.assigned) {
      // Revoked while buffered: not handed; fetched again if the partition comes back.
      const first = start < records.length ? Number(records[start].offset) : chunk.end;
      if (info.fetchedEnd === undefined || first < info.fetchedEnd) info.fetchedEnd = first;
      return;
    }
    const restored = info.restored !== undefined;
    const handedBefore = out.length;
    let runStart = -1;
    let runMax = Number.NEGATIVE_INFINITY;
    let watermarkMax = Number.NEGATIVE_INFINITY;
    for (let i = start; i < limit; i++) {
      const record = records[i];
      const rejected = record.rejected !== undefined;
      // A refused event time: handed at the watermark (it becomes a dead letter, in no window), moving nothing.
      const eventTime = rejected ? this.lastWatermark : eventTimes === null ? record.timestamp : eventTimes[i];
      let inCheckpoint = false;
      if (restored) {
        const offset = Number(record.offset);
        if (info.offsets.alreadyDurable(offset, eventTime)) {
          if (runStart >= 0) info.offsets.handedRange(runStart, offset, runMax);
          runStart = -1;
          runMax = Number.NEGATIVE_INFINITY;
          info.offsets.skipped(offset);
          this.stats.skippedAsDurable++;
          continue;
        }
        if (runStart < 0) runStart = offset;
        // Reflected in the restored runner state: counted as handed (its offset stays uncommitted until the
        // state that needs it is durable), but not handed again.
        inCheckpoint = info.checkpointEnd !== undefined && offset < info.checkpointEnd;
      } else if (runStart < 0) {
        runStart = Number(record.offset);
      }
      if (eventTime > runMax) runMax = eventTime;
      if (!rejected && (hasEventTime === null || hasEventTime[i]) && eventTime > watermarkMax) watermarkMax = eventTime;
      if (inCheckpoint) {
        this.stats.inCheckpoint++;
        continue;
      }
      const n = out.length;
      let slot = this.slots[n];
      if (slot === undefined) {
        slot = { value: record, timestamp: eventTime };
        this.slots[n] = slot;
      } else {
        slot.value = record;
        slot.timestamp = eventTime;
      }
      out.push(slot);
    }
    if (runStart >= 0) info.offsets.handedRange(runStart, Number(records[limit - 1].offset) + 1, runMax);
    // Handed to its end: the offsets after its last record up to the fetch's end hold no record (markers, aborted).
    if (limit === records.length && chunk.end > 0) info.offsets.skipped(chunk.end - 1);
    info.recordsRead += out.length - handedBefore;
    if (watermarkMax > Number.NEGATIVE_INFINITY) {
      this.policy.observe(info.key, watermarkMax, now);
      if (watermarkMax > this.maxEventTimeHanded) this.maxEventTimeHanded = watermarkMax;
    }
  }

  /**
   * While quiet (nothing buffered, no record for a while): restarts the fetch of partitions that are assigned and
   * have records waiting but deliver none (after a rebalance), and ends the input for --stop-when-idle once every
   * partition is read to its end.
   */
  private async checkEndOfInput(now: Millis): Promise<void> {
    const stopAfter = this.spec.stopWhenIdleMs;
    if (this.finished || this.buffered > 0 || this.admin === undefined) return;
    const quiet = this.policy.quietFor(now);
    if (this.policy.assigned().length === 0 || quiet < Math.min(stopAfter ?? STALL_RESEEK_MS, STALL_RESEEK_MS)) return;
    // Every second when the end of input is looked for; every 5 s when only stalls are.
    if (now - this.lastEndCheckAt < (stopAfter === null ? STALL_RESEEK_MS : 1000)) return;
    this.lastEndCheckAt = now;
    let ends: { partition: number; high: string }[];
    // Resuming from the group's offsets, what the group committed counts as read for a partition this member has
    // not fetched from: one it got in a rebalance may have been read to its end (and committed) by a member that
    // left, and then no batch ever arrives to move our position.
    const committed = new Map<number, number>();
    try {
      ends = await this.admin.topicOffsets(this.spec.topic);
      if (this.spec.from === "committed") {
        for (const c of await this.admin.committedOffsets(this.spec.groupId, this.spec.topic)) {
          if (c.offset !== null) committed.set(c.partition, Number(c.offset));
        }
      }
    } catch (e) {
      // The broker is away for a while (restarting): look again at the next check; the consumer reconnects by itself.
      if (e instanceof KafkaClientError && e.retriable) return;
      throw e;
    }
    let unread = false;
    for (const end of ends) {
      const info = this.partitions.get(`${this.spec.topic}:${end.partition}`);
      if (info === undefined || !info.assigned) return;
      const position = info.fetchedEnd ?? Math.max(info.startOffset ?? 0, committed.get(end.partition) ?? 0);
      if (position >= Number(end.high)) continue;
      unread = true;
      // Assigned, not paused, records waiting and none fetched for a while: fetch them again from our position.
      if (!this.paused && now - (info.lastBatchAt ?? 0) >= STALL_RESEEK_MS) {
        info.lastBatchAt = now;
        this.stats.reseeks++;
        this.consumer?.resume([info.tp]);
        this.consumer?.seek(info.tp, String(position));
      }
    }
    if (unread || stopAfter === null || quiet < stopAfter) return;
    this.finished = true;
    this.policy.finish();
  }

  /**
   * Notes synchronously, at the call, which handed records are durable (the runner calls with no work in flight,
   * so "handed so far" is exactly what its durable time covers), then commits in the background, one commit at a
   * time, so that a slow broker never delays the runner's next call past its next read. A non-retriable commit
   * failure surfaces at the next read or close.
   */
  onDurable(durableBefore: Millis, final = false): Promise<void> {
    for (const info of this.partitions.values()) info.offsets.markDurable(durableBefore);
    const now = this.now();
    // The last call of a clean stop always commits (after any commit still queued), with a checkpoint.
    if (final || (now - this.lastCommitAt >= this.spec.commitIntervalMs && !this.commitQueued)) {
      this.lastCommitAt = now;
      this.commitQueued = true;
      if (final) this.finalCommitQueued = true;
      // Taken now, with no work in flight: the offsets, the metadata and the runner's state all describe the
      // records handed so far.
      const captured = this.captureCommit(true);
      this.commits = this.commits.then(async () => {
        this.commitQueued = false;
        try {
          await this.commit(captured);
        } catch (e) {
          this.failure ??= e instanceof KafkaClientError ? e : new KafkaClientError(String(e), false, { cause: e });
        }
      });
    }
    return Promise.resolve();
  }

  /** The watermark to restore after a restart: never +∞ (a later run must still accept new data). */
  private persistedWatermark(): Millis {
    if (this.lastWatermark !== WATERMARK_DONE) return this.lastWatermark;
    return this.maxEventTimeHanded;
  }

  /**
   * What to commit for each assigned partition now, and (with `withState`, only inside onDurable) a checkpoint of
   * the runner's state when something changed since the last commit.
   */
  private captureCommit(withState: boolean): CapturedCommit {
    const sourceWatermark = this.persistedWatermark();
    const partitions: CapturedCommit["partitions"][number][] = [];
    for (const info of this.partitions.values()) {
      if (!info.assigned) continue;
      const offset = info.offsets.commitOffset();
      const read = info.offsets.handedEnd();
      if (offset === undefined || read === undefined) continue;
      // Until this run has read past the restored checkpoint's end, the state it checkpoints still reflects the
      // records up to that end (they are skipped when re-read): the new checkpoint must say so, or the next
      // restart would hand them again.
      const handedEnd = info.checkpointEnd !== undefined && info.checkpointEnd > read ? info.checkpointEnd : read;
      const metadata: CommitMetadata = {
        offset,
        timestampMode: this.mode,
        sourceWatermark,
        partitionWatermark: this.policy.partitionWatermark(info.key),
        rules: info.offsets.rules(),
      };
      partitions.push({ info, metadata, handedEnd });
    }
    const changed = partitions.some((p) => commitText(p) !== p.info.lastCommitted);
    // After the end of input (watermark +∞) everything is durable and there is no state worth restoring.
    const finished = this.lastWatermark === WATERMARK_DONE;
    const take = withState && changed && !finished && this.checkpoints !== undefined;
    return { partitions, checkpoint: take ? this.checkpoints?.take() : undefined };
  }

  private async commit(captured: CapturedCommit): Promise<void> {
    if (this.consumer === undefined) return;
    let checkpoint = captured.checkpoint;
    if (checkpoint !== undefined && !(await this.checkpoints?.write(checkpoint))) checkpoint = undefined;
    const commits: OffsetCommit[] = [];
    const made: { readonly info: PartitionInfo; readonly text: string; readonly offset: number }[] = [];
    for (const p of captured.partitions) {
      const { info, metadata, handedEnd } = p;
      const text = commitText(p);
      if (checkpoint === undefined && text === info.lastCommitted) continue;
      const withCheckpoint: CommitMetadata =
        checkpoint === undefined ? metadata : { ...metadata, checkpoint: { id: checkpoint.id, handedEnd } };
      made.push({ info, text, offset: metadata.offset });
      commits.push({
        topic: info.tp.topic,
        partition: info.tp.partition,
        offset: String(metadata.offset),
        metadata: encodeCommitMetadata(withCheckpoint),
      });
    }
    if (commits.length === 0) return;
    try {
      await this.consumer.commit(commits);
      this.stats.commits++;
      for (const { info, text, offset } of made) {
        info.lastCommitted = text;
        info.committedOffset = offset;
      }
      if (checkpoint !== undefined) await this.checkpoints?.committed(checkpoint);
    } catch (e) {
      this.stats.commitFailures++;
      for (const { info } of made) info.lastCommitted = undefined;
      const error = e instanceof KafkaClientError ? e : new KafkaClientError(String(e), false, { cause: e });
      // A rebalance in progress: the next onDurable commits again. Anything else is fatal.
      if (!error.retriable) throw error;
    }
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.wake?.();
    try {
      await this.commits;
      // A run that ended without a final onDurable (it failed): commit what earlier calls made durable.
      if (this.consumer && !this.failure && !this.finalCommitQueued) await this.commit(this.captureCommit(false));
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

  describeRecord(record: KafkaRecord): string {
    return `${record.topic}/${record.partition}@${record.offset}`;
  }

  /** Partition watermarks and commit positions, for logs and tests. */
  describe(): { partition: number; watermark: Millis; idle: boolean; commitOffset: number | undefined }[] {
    const now = this.now();
    return [...this.partitions.values()]
      .filter((i) => i.assigned)
      .map((i) => ({
        partition: i.tp.partition,
        watermark: this.policy.partitionWatermark(i.key),
        idle: this.policy.isIdle(i.key, now),
        commitOffset: i.offsets.commitOffset(),
      }));
  }

  /**
   * Every 5 s, asks the broker for the log end offsets in the background: a fetch response carries them too, but
   * none comes while fetching is paused (backpressure) or stuck, which is when consumer lag matters. Best effort;
   * it doubles as the readiness probe of the broker connection (observe().connected).
   */
  private refreshLogEnd(): void {
    const admin = this.admin;
    if (admin === undefined || this.refreshingLogEnd || this.closing || Date.now() - this.lastLogEndRefreshAt < 5000) return;
    this.refreshingLogEnd = true;
    this.lastLogEndRefreshAt = Date.now();
    admin.topicOffsets(this.spec.topic).then(
      (ends) => {
        this.refreshingLogEnd = false;
        this.logEndRefreshFailed = false;
        for (const end of ends) {
          const info = this.partitions.get(`${this.spec.topic}:${end.partition}`);
          const high = Number(end.high);
          if (info !== undefined && (info.highWatermark === undefined || high > info.highWatermark)) info.highWatermark = high;
        }
      },
      () => {
        this.refreshingLogEnd = false; // the next read tries again; a lasting problem surfaces through the consumer
        this.logEndRefreshFailed = true;
      },
    );
  }

  /** Connection state and per-partition counts, offsets and watermarks (metrics, health, status page). */
  observe(): SourceObservation {
    const now = this.now();
    const partitions = [...this.partitions.values()]
      .filter((i) => i.assigned)
      .sort((a, b) => a.tp.partition - b.tp.partition)
      .map((i) => ({
        topic: i.tp.topic,
        partition: i.tp.partition,
        recordsRead: i.recordsRead,
        watermark: this.policy.partitionWatermark(i.key),
        idle: this.policy.isIdle(i.key, now),
        logEndOffset: i.highWatermark,
        position: i.fetchedEnd ?? i.startOffset,
        committedOffset: i.committedOffset,
      }));
    // Not connected: not started, failed, closing, or the broker did not answer the last offsets request (or has
    // not answered the current one for 10 s).
    const brokerSilent = this.logEndRefreshFailed || (this.refreshingLogEnd && Date.now() - this.lastLogEndRefreshAt > 10_000);
    const health = this.consumer?.health();
    const connected = health !== undefined && health.connected && this.failure === undefined && !this.closing && !brokerSilent;
    return { connected, partitions, outages: health?.outages ?? 0 };
  }
}

/** The event time in a JSON field of the value: an ISO-8601 string or epoch milliseconds; undefined if absent. */
function eventTimeFromField(value: Uint8Array | null, field: string): Millis | undefined {
  if (value === null) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("utf8"));
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null) return undefined;
  const v = (parsed as Record<string, unknown>)[field];
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string") {
    const t = parseIsoTimestamp(v);
    return typeof t === "number" ? t : undefined;
  }
  return undefined;
}

/** 90 s → "1.5 min", 2 days → "2.0 d", for messages. */
export function describeDuration(ms: Millis): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  if (ms < 86_400_000) return `${(ms / 3_600_000).toFixed(1)} h`;
  if (ms < 365 * 86_400_000) return `${(ms / 86_400_000).toFixed(1)} d`;
  return `${(ms / (365.25 * 86_400_000)).toFixed(1)} years`;
}

export function kafkaSource(payload: Uint8Array): KafkaSource {
  return new KafkaSource(decodeKafkaSourceSpec(payload));
}

registerSource(KAFKA_SOURCE_URN, (payload) => kafkaSource(payload));
