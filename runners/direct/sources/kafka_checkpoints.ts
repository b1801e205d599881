/**
 * The Kafka source's side of the runner checkpoints (docs/guarantees.md §3a): restoring the one the last commit
 * names, and taking, writing and pruning them around each commit. Each is kept in the job's state topic (a
 * compacted Kafka topic, remote_checkpoint_store.ts) — durable there before the commit that names it — and in a
 * local file, which is only a cache: a restart uses the file when it matches the topic's manifest, and otherwise
 * (another machine, a deleted folder) reads the checkpoint back from the topic. The offsets and their metadata stay
 * in kafka_source.ts / kafka_offsets.ts; this file only decides what happens to the runner's state.
 */
import type { RunnerCheckpoints } from "../checkpoint/runner_checkpoint";
import { BrokerOutageError, KafkaClientError, type KafkaAdmin, type KafkaClient } from "../../../io/kafka/kafka_client";
import { ensureStateTopic, stateTopicName, StateTopic } from "../../../io/kafka/kafka_state_topic";
import { RemoteCheckpointStore } from "../checkpoint/remote_checkpoint_store";
import { checkpointFile, checkpointFolder, checkWritable, checkpointId, pruneCheckpoints, readCheckpoint, removeTemporary, writeCheckpoint } from "../checkpoint/checkpoint_files";
import type { CommitMetadata } from "./kafka_offsets";

/** A runner checkpoint that could not be written: the run ends at that commit (one line, exit 1). */
export class CheckpointWriteError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "CheckpointWriteError";
  }
}

/** A checkpoint taken at an onDurable call, to write before the commit that names it. */
export interface TakenCheckpoint {
  readonly id: string;
  readonly json: string;
}

/** What a restored checkpoint means for reading: per partition, the records below this offset are reflected. */
export interface RestoredCheckpoint {
  readonly id: string;
  readonly handedEnds: ReadonlyMap<number, number>;
}

/**
 * What the checkpoints cost: written, the time spent capturing them (ms, while the runner waits) and the last one's
 * size (JSON text); in the state topic the bytes sent (gzipped) and the time spent writing them (ms, in the background).
 */
export interface CheckpointStats {
  written: number;
  captureMs: number;
  bytes: number;
  topicBytes: number;
  topicWriteMs: number;
  lastTopicBytes: number;
}

/** The figures before any checkpoint (also a source's without checkpoints). */
export function emptyCheckpointStats(): CheckpointStats {
  return { written: 0, captureMs: 0, bytes: 0, topicBytes: 0, topicWriteMs: 0, lastTopicBytes: 0 };
}

export class KafkaCheckpoints {
  private readonly folder: string;
  private sequence = 0;
  private remoteFailing = false;
  /** What they cost so far (emptyCheckpointStats). */
  readonly stats: CheckpointStats = emptyCheckpointStats();

  constructor(
    private readonly runner: RunnerCheckpoints,
    private readonly groupId: string,
    topic: string,
    private readonly warn: (line: string) => void,
    private readonly remote?: RemoteCheckpointStore,
  ) {
    this.folder = checkpointFolder(runner.dir, groupId, topic);
  }

  /** With the job's state topic (created if missing; a one-line KafkaClientError when it cannot be). */
  static async withStateTopic(
    runner: RunnerCheckpoints,
    client: KafkaClient,
    admin: KafkaAdmin,
    groupId: string,
    topic: string,
    warn: (line: string) => void,
  ): Promise<KafkaCheckpoints> {
    const name = stateTopicName(groupId, topic);
    await ensureStateTopic(admin, name);
    return new KafkaCheckpoints(runner, groupId, topic, warn, new RemoteCheckpointStore(new StateTopic(client, admin, name)));
  }

  /**
   * Restores the runner checkpoint the last commit names — every committed partition (`committed`: those with a
   * committed offset) must name the same one — into the runner. Refused in one line (KafkaClientError): a committed
   * partition whose commit is not this job's (offsets set by Kafka's tools) while the state topic holds the job's
   * state, and a checkpoint neither the topic nor the local folder has whole. A commit from before the state topic
   * existed names a checkpoint only the local folder has: restored from there and written to the topic. Without the
   * state topic and the file, or when it does not fit the pipeline, says why in one line and returns undefined: the
   * run then rebuilds open windows from re-read records.
   */
  async restore(restored: ReadonlyMap<number, CommitMetadata>, committed: readonly number[]): Promise<RestoredCheckpoint | undefined> {
    const named = [...restored.values()].map((m) => m.checkpoint);
    const foreign = committed.filter((p) => !restored.has(p));
    if (named.length === 0 || named.every((c) => c === undefined)) {
      // What an earlier run left in the topic goes at the first prune.
      const held = (await this.remote?.scan()) ?? [];
      if (foreign.length > 0 && held.length > 0) throw this.offsetsNotOurs(foreign, held);
      return undefined;
    }
    const fallback = (why: string): undefined => {
      this.warn(
        `kafka source: not restoring the runner checkpoint of the last commit (${why}); live windows are rebuilt ` +
          `by re-reading Kafka, which can change session windows (docs/guarantees.md §3)`,
      );
      return undefined;
    };
    const id = named[0]?.id;
    if (foreign.length > 0 && this.remote !== undefined && id !== undefined) throw this.offsetsNotOurs(foreign, [id]);
    if (id === undefined || named.some((c) => c?.id !== id) || foreign.length > 0) {
      return fallback("the partitions' commits name different checkpoints");
    }
    const local = await readCheckpoint(this.folder, id);
    let json = local;
    let from = "its local file";
    if (this.remote !== undefined) {
      const loaded = await this.remote.load(id, local);
      if ("problem" in loaded && loaded.absent === true && local !== undefined) {
        // Committed before the state topic existed (an upgrade): the local copy is the job's state; the topic gets it.
        await this.remote.write(id, local);
        this.warn(
          `kafka source: the state topic ${this.remote.topicName} lacked runner checkpoint ${id} of the last commit ` +
            `(committed before the topic existed): restored it from ${checkpointFile(this.folder, id)} and wrote it to the topic`,
        );
      } else if ("problem" in loaded) {
        throw new KafkaClientError(
          `kafka source: cannot restore the state the last commit names: ${loaded.problem}; restore the topic, or ` +
            `start over (docs/operations.md, "The state topic"), or run once with --state-dir off (re-reads Kafka; ` +
            `session windows may differ)`,
          false,
        );
      } else {
        json = loaded.json;
        from = loaded.from === "local file" ? "its local file" : `the state topic ${this.remote.topicName}`;
      }
    }
    if (json === undefined) return fallback(`${checkpointFile(this.folder, id)} is missing; keep --state-dir between runs`);
    const problem = this.runner.restore(json);
    if (problem !== undefined) return fallback(`checkpoint ${id} does not fit this pipeline: ${problem}`);
    const handedEnds = new Map<number, number>();
    for (const [partition, metadata] of restored) if (metadata.checkpoint) handedEnds.set(partition, metadata.checkpoint.handedEnd);
    this.warn(`kafka source: restored the runner checkpoint ${id} of the last commit from ${from}: open windows continue where they were`);
    return { id, handedEnds };
  }

  /** Committed offsets this job did not write, while its state topic holds its state: resuming would skip or repeat records. */
  private offsetsNotOurs(partitions: readonly number[], held: readonly string[]): KafkaClientError {
    return new KafkaClientError(
      `kafka source: the committed offsets of group ${this.groupId} on partition(s) ${partitions.join(", ")} were not ` +
        `committed by this job with these options (reset with Kafka's tools, or --timestamp-field changed?) while its state topic ${this.remote?.topicName ?? "?"} holds ` +
        `checkpoint ${held[0]}: resuming from them would skip or repeat records; start over with a new --group-id, or ` +
        `delete the state topic to accept these offsets (docs/operations.md, "The state topic")`,
      false,
    );
  }

  /** Takes a checkpoint of the runner now; only inside onDurable (no work in flight). Undefined when it cannot. */
  take(): TakenCheckpoint | undefined {
    const startedAt = performance.now();
    const state = this.runner.capture();
    this.stats.captureMs += performance.now() - startedAt;
    if ("reason" in state) {
      this.warn(`kafka source: no runner checkpoint with this commit: ${state.reason}; a restart re-reads instead`);
      return undefined;
    }
    return { id: checkpointId(this.sequence++), json: state.json };
  }

  /**
   * Writes it durably, before the commit that names it: to the state topic (where a restart on any machine finds
   * it) and to the local cache. A folder that cannot take it (the disk filled, the folder became read-only) ends the
   * run at this commit (CheckpointWriteError: one line, exit 1; the rerun resumes from the last commit, whose
   * checkpoint is still there: older ones are pruned only after a commit). A state topic that cannot take it (the
   * broker away) gives false, said once: the commit is then skipped, not made without it (a commit never names a
   * checkpoint that is not durable), and the next one tries again; past the retry budget it throws the
   * BrokerOutageError that ends the run.
   */
  async write(checkpoint: TakenCheckpoint): Promise<boolean> {
    await this.writeLocal(checkpoint);
    if (this.remote !== undefined) {
      try {
        const written = await this.remote.write(checkpoint.id, checkpoint.json);
        this.stats.topicBytes += written.bytes;
        this.stats.lastTopicBytes = written.bytes;
        this.stats.topicWriteMs += written.ms;
      } catch (error) {
        // Past the retry budget the run ends here, with the outage's line (not one more skipped commit).
        if (error instanceof BrokerOutageError) throw error;
        if (!this.remoteFailing) {
          this.warn(
            `kafka source: cannot write a runner checkpoint to the state topic ${this.remote.topicName} ` +
              `(${error instanceof Error ? error.message : String(error)}); not committing until it can (a commit always names a durable checkpoint)`,
          );
        }
        this.remoteFailing = true;
        return false;
      }
      if (this.remoteFailing) this.warn(`kafka source: runner checkpoints are written to ${this.remote.topicName} again`);
      this.remoteFailing = false;
    }
    this.stats.written++;
    this.stats.bytes = checkpoint.json.length;
    return true;
  }

  /** The local copy; a folder that cannot take it ends the run (CheckpointWriteError). */
  private async writeLocal(checkpoint: TakenCheckpoint): Promise<void> {
    try {
      await writeCheckpoint(this.folder, checkpoint.id, checkpoint.json);
    } catch (error) {
      await removeTemporary(this.folder, checkpoint.id);
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      throw new CheckpointWriteError(
        `cannot write a runner checkpoint in ${this.folder} (${code}): free space or make the folder writable (or ` +
          `choose another --state-dir), then run the job again: it resumes from its last commit`,
        { cause: error },
      );
    }
  }

  /** At the start: a state folder that cannot be written is one line and the end of the run (not a warning per commit). */
  async checkWritable(): Promise<string | undefined> {
    const problem = await checkWritable(this.folder);
    return problem === undefined
      ? undefined
      : `cannot write runner checkpoints in ${this.folder} (${problem}): make the folder writable, free space, ` +
          `or choose another --state-dir (SALES_STATE_DIR; off: none)`;
  }

  /** After the commit that names it: the other checkpoints are of no use any more. */
  async committed(checkpoint: TakenCheckpoint): Promise<void> {
    await pruneCheckpoints(this.folder, checkpoint.id);
    try {
      await this.remote?.prune(checkpoint.id);
    } catch (error) {
      if (error instanceof BrokerOutageError) throw error;
      // Not a failure of the run: the records stay until a later prune deletes them.
      this.warn(`kafka source: could not delete superseded checkpoints in ${this.remote?.topicName ?? "?"} (${String(error)})`);
    }
  }

  /** Says what the checkpoints cost (one line, when any were written to the state topic) and closes the producer. */
  close(): Promise<void> {
    const { written, topicBytes, topicWriteMs, captureMs } = this.stats;
    if (this.remote !== undefined && written > 0) {
      this.warn(
        `kafka source: ${written} runner checkpoints written to ${this.remote.topicName}: ` +
          `${(topicBytes / written / 1024).toFixed(1)} KiB and ${(topicWriteMs / written).toFixed(1)} ms per write, ` +
          `${(captureMs / written).toFixed(1)} ms per capture`,
      );
    }
    return this.remote?.close() ?? Promise.resolve();
  }
}
