/**
 * The Kafka source's commits (KafkaIO's checkpoint mark): at each onDurable call, with no work in flight, what each
 * partition may commit (kafka_offsets.ts) and its metadata (the watermark and the merge's state at the last step
 * handed, the durable rules), maybe with a runner checkpoint (kafka_checkpoints.ts); then the commit itself in the
 * background, one at a time, so that a slow broker never delays the runner's next read.
 */
import { KafkaClientError, type KafkaConsumer, type OffsetCommit } from "../../../io/kafka/kafka_client";
import type { Millis } from "../../../model/model";
import type { KafkaCheckpoints, TakenCheckpoint } from "./kafka_checkpoints";
import { encodeCommitMetadata, type CommitMetadata } from "./kafka_offsets";
import type { PartitionInfo } from "./kafka_partition";

/** One commit as taken at an onDurable call: per partition its offset, metadata and handed end; maybe a checkpoint. */
interface CapturedCommit {
  readonly partitions: readonly CapturedPartition[];
  readonly checkpoint: TakenCheckpoint | undefined;
}

interface CapturedPartition {
  readonly info: PartitionInfo;
  readonly metadata: CommitMetadata;
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
}

export class KafkaCommits {
  readonly stats = { commits: 0, commitFailures: 0 };
  private commits: Promise<void> = Promise.resolve();
  private commitQueued = false;
  private lastCommitAt = Number.NEGATIVE_INFINITY;
  /** The final onDurable of a clean shutdown queued its commit: close() has nothing left to commit. */
  private finalCommitQueued = false;

  constructor(
    private readonly commitIntervalMs: Millis,
    private readonly checkpoints: KafkaCheckpoints | undefined,
    private readonly fail: (error: KafkaClientError) => void,
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
    if (!final && (now - this.lastCommitAt < this.commitIntervalMs || this.commitQueued)) return;
    this.lastCommitAt = now;
    this.commitQueued = true;
    if (final) this.finalCommitQueued = true;
    // Taken now, with no work in flight: the offsets, the metadata and the runner's state all describe the
    // records handed so far.
    const captured = this.capture(infos, state, true);
    this.commits = this.commits.then(async () => {
      this.commitQueued = false;
      try {
        await this.commit(consumer, captured);
      } catch (e) {
        this.fail(e instanceof KafkaClientError ? e : new KafkaClientError(String(e), false, { cause: e }));
      }
    });
  }

  /** At close: waits for queued commits; a run that ended without a final onDurable commits what is durable. */
  async close(consumer: KafkaConsumer | undefined, partitions: Iterable<PartitionInfo>, state: SourceState, failed: boolean): Promise<void> {
    await this.commits;
    if (consumer && !failed && !this.finalCommitQueued) await this.commit(consumer, this.capture([...partitions], state, false));
  }

  /**
   * What to commit for each assigned partition now, and (with `withState`, only inside onDurable) a checkpoint of
   * the runner's state when something changed since the last commit.
   */
  private capture(infos: readonly PartitionInfo[], state: SourceState, withState: boolean): CapturedCommit {
    const partitions: CapturedPartition[] = [];
    for (const info of infos) {
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
        timestampMode: state.timestampMode,
        sourceWatermark: state.sourceWatermark,
        partitionWatermark: info.stepEnd.maxEventTime - state.watermarkDelay,
        rules: info.offsets.rules(),
        ...(info.stepEnd.idle ? { idle: true } : {}),
        ...(state.drainedAt === undefined ? {} : { drainedAt: state.drainedAt }),
      };
      partitions.push({ info, metadata, handedEnd });
    }
    const changed = partitions.some((p) => commitText(p) !== p.info.lastCommitted);
    const take = withState && changed && !state.finished && this.checkpoints !== undefined;
    return { partitions, checkpoint: take ? this.checkpoints?.take() : undefined };
  }

  private async commit(consumer: KafkaConsumer | undefined, captured: CapturedCommit): Promise<void> {
    if (consumer === undefined) return;
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
      await consumer.commit(commits);
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
}
