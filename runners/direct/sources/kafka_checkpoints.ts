/**
 * The Kafka source's side of the runner checkpoints (docs/guarantees.md §3a): restoring the one the last commit
 * names, and taking, writing and pruning them around each commit. The offsets and their metadata stay in
 * kafka_source.ts / kafka_offsets.ts; this file only decides what happens to the runner's state.
 */
import type { RunnerCheckpoints } from "../checkpoint/runner_checkpoint";
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

export class KafkaCheckpoints {
  private readonly folder: string;
  private sequence = 0;
  /** Checkpoints written, the time spent capturing them (ms, while the runner waits) and the last one's size. */
  readonly stats = { written: 0, captureMs: 0, bytes: 0 };

  constructor(
    private readonly runner: RunnerCheckpoints,
    groupId: string,
    topic: string,
    private readonly warn: (line: string) => void,
  ) {
    this.folder = checkpointFolder(runner.dir, groupId, topic);
  }

  /**
   * Restores the runner checkpoint the last commit names — every committed partition (`committedPartitions` of
   * them) must name the same one — into the runner. Without the file (another machine, a deleted folder) or when
   * it does not fit the pipeline, says why in one line and returns undefined: the run then rebuilds open windows
   * from re-read records.
   */
  async restore(restored: ReadonlyMap<number, CommitMetadata>, committedPartitions: number): Promise<RestoredCheckpoint | undefined> {
    const named = [...restored.values()].map((m) => m.checkpoint);
    if (named.length === 0 || named.every((c) => c === undefined)) return undefined;
    const fallback = (why: string): undefined => {
      this.warn(
        `kafka source: not restoring the runner checkpoint of the last commit (${why}); live windows are rebuilt ` +
          `by re-reading Kafka, which can change session windows (docs/guarantees.md §3)`,
      );
      return undefined;
    };
    const id = named[0]?.id;
    if (id === undefined || named.some((c) => c?.id !== id) || restored.size !== committedPartitions) {
      return fallback("the partitions' commits name different checkpoints");
    }
    const json = await readCheckpoint(this.folder, id);
    if (json === undefined) return fallback(`${checkpointFile(this.folder, id)} is missing; keep --state-dir between runs`);
    const problem = this.runner.restore(json);
    if (problem !== undefined) return fallback(`checkpoint ${id} does not fit this pipeline: ${problem}`);
    const handedEnds = new Map<number, number>();
    for (const [partition, metadata] of restored) if (metadata.checkpoint) handedEnds.set(partition, metadata.checkpoint.handedEnd);
    this.warn(`kafka source: restored the runner checkpoint ${id} of the last commit: open windows continue where they were`);
    return { id, handedEnds };
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
   * Writes it durably, before the commit that names it. A folder that cannot take it (the disk filled, the folder
   * became read-only) ends the run at this commit: committing without it would make a restart re-read and rebuild
   * open windows (not exact for sessions), so the error says what to do and the commit is not made; the rerun
   * resumes from the last commit, whose checkpoint is still there (older ones are pruned only after a commit).
   */
  async write(checkpoint: TakenCheckpoint): Promise<void> {
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
    this.stats.written++;
    this.stats.bytes = checkpoint.json.length;
  }

  /** At the start: a state folder that cannot be written is one line and the end of the run (not a warning per commit). */
  async checkWritable(): Promise<string | undefined> {
    const problem = await checkWritable(this.folder);
    return problem === undefined
      ? undefined
      : `cannot write runner checkpoints in ${this.folder} (${problem}): make the folder writable, free space, ` +
          `or choose another --state-dir (SALES_STATE_DIR; off: none)`;
  }

  /** After the commit that names it: the older checkpoints are of no use any more. */
  committed(checkpoint: TakenCheckpoint): Promise<void> {
    return pruneCheckpoints(this.folder, checkpoint.id);
  }
}
