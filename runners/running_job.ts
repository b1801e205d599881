/**
 * What a started job offers the process that started it, on every runner (runners/index.ts `startJob`): its run
 * snapshot for the ops server and the progress line, a way to stop it, and a promise of its result. The direct
 * runner fills the snapshot from its executor; Flink and Dataflow fill what they can see from outside the job (its
 * state, Beam's counters, the sinks of this process's workers) and leave the rest empty (model/run_snapshot.ts).
 * Nothing here names a runner's internals: pipelines/main.ts has one run path through this interface.
 */
import type { Runner } from "apache-beam/runners/runner";
import type { RunSnapshot } from "../model/run_snapshot";

/** The pipeline a job runs, as a runner's `runAsync` takes it (the root in, the last PValue or nothing out). */
export type PipelineBuild = Parameters<Runner["runAsync"]>[0];

/** What a job reports once it ended. */
export interface JobResult {
  /** Beam counters by name (user counters and the runner's own, e.g. droppedDueToLateness); {} when unreadable. */
  readonly counters: Readonly<Record<string, number>>;
  /**
   * Records the source handed to the pipeline, when the runner counts them itself (direct); undefined: only the
   * source's own metric (Beam's elements_read, in `counters`) can say.
   */
  readonly recordsRead: number | undefined;
  /**
   * The windowed combines whose too-late records reached their late-data output; undefined when the runner always
   * delivers them there (direct). Empty: the runner only counted them (Beam's own Flink job server).
   */
  readonly lateOutputs: readonly string[] | undefined;
}

export interface RunningJob {
  readonly runner: string;
  /** The run's figures now; undefined while the runner has nothing to say yet. Cheap: read on demand. */
  snapshot(): RunSnapshot | undefined;
  /**
   * Stops the job so that nothing is lost: the direct runner stops reading and commits what is safe; Flink takes a
   * savepoint and cancels (the resume path is printed). Resolves once it is stopped; `result` settles too.
   */
  stop(): Promise<void>;
  /** Resolves when the job ended (input drained, stopped, or a signal handled by the runner); rejects with its failure. */
  readonly result: Promise<JobResult>;
}
