/**
 * The Kafka source's commits (KafkaIO's checkpoint mark): at each onDurable call, with no work in flight, what each
 * partition may commit (kafka_offsets.ts) and its metadata (the watermark and the merge's state at the last step
 * handed, the durable rules), maybe with a runner checkpoint (kafka_checkpoints.ts); then the commit itself in the
 * background, one at a time, so that a slow broker never delays the runner's next read.
 */
import { KafkaClientError, type KafkaConsumer, type OffsetCommit } from "../../../io/kafka/kafka_client";
import type { Millis } from "../../../model/model";
import type { KafkaCheckpoints, TakenCheckpoint } from "./kafka_checkpoints";
import type { CommitListener } from "./source";
import { encodeCommitMetadata, type CommitMetadata } from "./kafka_offsets";
import { markAt, type PartitionInfo } from "./kafka_partition";

/** One commit as taken at an onDurable call: per partition its offset, metadata and handed end; maybe a checkpoint. */
interface CapturedCommit {
  readonly partitions: readonly CapturedPartition[];
  readonly checkpoint: TakenCheckpoint | undefined;
}

interface CapturedPartition {
  readonly info: PartitionInfo;
  /** The state at the committed offset: what a restart without the checkpoint replays from. */
  readonly metadata: CommitMetadata;
  /** The state now (at handedEnd): what goes with a checkpoint, which reflects every record handed so far. */
  readonly current: CommitMetadata;
  readonly handedEnd: number;
}

/** What a partition's commit says (offset, handed end, metadata without the checkpoint): equal text, nothing new. */
function commitText(p: CapturedPartition): string {
  return `${p.metadata.offset}|${p.handedEnd}|${encodeCommitMetadata(p.metadata)}`;
}

/** What the commit metadata says besides the offsets: the source's state at the last step it handed. */
export interface SourceState {
  /** The watermark to restore (never +∞: a later run must still accept new data). */
  readonly sourceWatermark: Millis;
  /** True once the input ended (watermark +∞): everything is durable, no runner state is worth keeping. */
  readonly finished: boolean;
  readonly watermarkDelay: Millis;
  readonly timestampMode: string;
  /** The last event time of a run that drained at the end of its input (this one, or an earlier one). */
  readonly drainedAt: Millis | undefined;
  /** The same, restored from the last commit (an earlier run's): what a commit says while not all is durable. */
  readonly restoredDrainedAt: Millis | undefined;
}

/** Every captured partition's offset the broker holds now (this commit's or an earlier one's). */
function committedOffsets(partitions: readonly CapturedPartition[]): Map<number, number> {
  const offsets = new Map<number, number>();
  for (const { info } of partitions) if (info.committedOffset !== undefined) offsets.set(info.tp.partition, info.committedOffset);
  return offsets;
}

export class KafkaCommits {
  readonly stats = { commits: 0, commitFailures: 0 };
  private commits: Promise<void> = Promise.resolve();
  private commitQueued = false;
  private lastCommitAt = Number.NEGATIVE_INFINITY;
  /** The final onDurable of a clean shutdown queued its commit: close() has nothing left to commit. */
  private finalCommitQueued = false;
  /** The largest durable time the runner gave: windows before it are in every sink (a later smaller one keeps it). */
  private durableThrough = Number.NEGATIVE_INFINITY;
  /** A commit failed for good: the run ends, nothing more is committed. */
  private failed = false;

  constructor(
    private readonly commitIntervalMs: Millis,
    private readonly checkpoints: KafkaCheckpoints | undefined,
    private readonly fail: (error: KafkaClientError) => void,
    private readonly onCommitted?: CommitListener,
  ) {}

  /**
   * Notes synchronously which handed records are durable (the runner calls with no work in flight, so "handed so
   * far" is exactly what its durable time covers), then commits in the background when due. The last call of a
   * clean stop always commits (after any commit still queued), with a checkpoint.
   */
  onDurable(
    consumer: KafkaConsumer | undefined,
    partitions: Iterable<PartitionInfo>,
    state: SourceState,
    durableBefore: Millis,
    final: boolean,
    now: Millis,
  ): void {
    const infos = [...partitions];
    for (const info of infos) info.offsets.markDurable(durableBefore);
    if (durableBefore > this.durableThrough) this.durableThrough = durableBefore;
    if (!final && (now - this.lastCommitAt < this.commitIntervalMs || this.commitQueued)) return;
    this.lastCommitAt = now;
    this.commitQueued = true;
    if (final) this.finalCommitQueued = true;
    // Taken now, with no work in flight: the offsets, the metadata and the runner's state all describe the
    // records handed so far.
    const captured = this.capture(infos, state, true);
    this.commits = this.commits.then(async () => {
      this.commitQueued = false;
      // After a fatal commit failure the run is ending: a queued commit would only hold its end (a state-topic write
      // or a commit to a broker that is gone) and could not be made anyway.
      if (this.failed) return;
      try {
        await this.commit(consumer, captured);
      } catch (e) {
        this.failed = true;
        this.fail(e instanceof KafkaClientError ? e : new KafkaClientError(e instanceof Error ? e.message : String(e), false, { cause: e }));
      }
    });
  }

  /** At close: waits for queued commits; a run that ended without a final onDurable commits what is durable. */
  async close(consumer: KafkaConsumer | undefined, partitions: Iterable<PartitionInfo>, state: SourceState, failed: boolean): Promise<void> {
    await this.commits;
    if (consumer && !failed && !this.failed && !this.finalCommitQueued) await this.commit(consumer, this.capture([...partitions], state, false));
  }

  /**
   * What to commit for each assigned partition now, and (with `withState`, only inside onDurable) a checkpoint of
   * the runner's state when something changed since the last commit.
   */
  private capture(infos: readonly PartitionInfo[], state: SourceState, withState: boolean): CapturedCommit {
    const partitions: CapturedPartition[] = [];
    // Without a checkpoint, a restart re-reads from the committed offset with the watermark restored: it must be
    // the one that held when the record at that offset was handed (not the current one, which the sinks may not
    // have made durable: a failed Parquet write left PostgreSQL's final rows of closed windows, and their re-read
    // records were filed as late as well). The lowest over the partitions, as the source's watermark is their merge.
    // (Also when the input ended: a sink that failed at the end leaves the last records to re-read.)
    let replayWatermark = state.sourceWatermark;
    const found: { info: PartitionInfo; offset: number; read: number; at: ReturnType<typeof markAt> }[] = [];
    for (const info of infos) {
      if (!info.assigned) continue;
      const offset = info.offsets.commitOffset();
      const read = info.offsets.handedEnd();
      if (offset === undefined || read === undefined) continue;
      const at = offset < read ? markAt(info, offset) : undefined;
      if (offset < read) replayWatermark = Math.min(replayWatermark, at?.watermark ?? Number.NEGATIVE_INFINITY);
      found.push({ info, offset, read, at });
    }
    // This run's drain closes windows for later runs only once every record it handed is durable: a sink that
    // failed at the end leaves records to re-read, and they must not fall into windows said to be closed.
    const drainedAt = found.every((f) => f.offset === f.read) ? state.drainedAt : state.restoredDrainedAt;
    // Never below the durable time (capped by the watermark now): windows before it are in every sink, so a
    // re-read record that falls into one is late there, as in an uninterrupted run, and does not reopen it.
    const durable = (now: Millis): Millis => Math.min(now, this.durableThrough);
    replayWatermark = Math.max(replayWatermark, durable(state.sourceWatermark));
    for (const { info, offset, read, at } of found) {
      // Until this run has read past the restored checkpoint's end, the state it checkpoints still reflects the
      // records up to that end (they are skipped when re-read): the new checkpoint must say so, or the next
      // restart would hand them again.
      const handedEnd = info.checkpointEnd !== undefined && info.checkpointEnd > read ? info.checkpointEnd : read;
      const common = {
        offset,
        timestampMode: state.timestampMode,
        rules: info.offsets.rules(),
        ...(drainedAt === undefined ? {} : { drainedAt }),
      };
      const stepEnd = at ?? (offset < read ? undefined : info.stepEnd);
      const current: CommitMetadata = {
        ...common,
        sourceWatermark: state.sourceWatermark,
        partitionWatermark: info.stepEnd.maxEventTime - state.watermarkDelay,
        ...(info.stepEnd.idle ? { idle: true } : {}),
      };
      const metadata: CommitMetadata = offset === read
        ? current
        : {
            ...common,
            sourceWatermark: replayWatermark,
            partitionWatermark: Math.max(
              (stepEnd?.maxEventTime ?? Number.NEGATIVE_INFINITY) - state.watermarkDelay,
              durable(current.partitionWatermark),
            ),
            ...(stepEnd?.idle === true ? { idle: true } : {}),
          };
      partitions.push({ info, metadata, current, handedEnd });
    }
    const changed = partitions.some((p) => commitText(p) !== p.info.lastCommitted);
    const take = withState && changed && !state.finished && this.checkpoints !== undefined;
    return { partitions, checkpoint: take ? this.checkpoints?.take() : undefined };
  }

  private async commit(consumer: KafkaConsumer | undefined, captured: CapturedCommit): Promise<void> {
    if (consumer === undefined) return;
    const checkpoint = captured.checkpoint;
    // A checkpoint that cannot be written locally ends the run here (CheckpointWriteError); one the state topic
    // cannot take yet skips this commit: never a commit without it.
    if (checkpoint !== undefined && this.checkpoints !== undefined && !(await this.checkpoints.write(checkpoint))) return;
    const commits: OffsetCommit[] = [];
    const made: { readonly info: PartitionInfo; readonly text: string; readonly offset: number }[] = [];
    for (const p of captured.partitions) {
      const { info, metadata, current, handedEnd } = p;
      const text = commitText(p);
      if (checkpoint === undefined && text === info.lastCommitted) continue;
      const withCheckpoint: CommitMetadata =
        checkpoint === undefined ? metadata : { ...current, checkpoint: { id: checkpoint.id, handedEnd } };
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
      await consumer.commit(commits);
      this.stats.commits++;
      for (const { info, text, offset } of made) {
        info.lastCommitted = text;
        info.committedOffset = offset;
      }
      if (this.onCommitted !== undefined) await this.onCommitted(commits[0].topic, committedOffsets(captured.partitions));
      if (checkpoint !== undefined) await this.checkpoints?.committed(checkpoint);
    } catch (e) {
      this.stats.commitFailures++;
      for (const { info } of made) info.lastCommitted = undefined;
      const error = e instanceof KafkaClientError ? e : new KafkaClientError(String(e), false, { cause: e });
      // A rebalance in progress: the next onDurable commits again. Anything else is fatal.
      if (!error.retriable) throw error;
    }
  }
}
