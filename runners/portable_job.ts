/**
 * The RunningJob of a runner seen only through Beam's PipelineResult (Dataflow): submitted, awaited, cancelled by
 * `stop()` where its result can cancel; its snapshot holds its state and Beam's counters (outside_snapshot.ts).
 * `outsideJob` is that RunningJob for any job seen from outside; Flink's job (flink/flink_job.ts) is one too.
 */
import type { PipelineResult, Runner } from "apache-beam/runners/runner";
import type { SinkSnapshot } from "../model/run_snapshot";
import { outsideSnapshot } from "./outside_snapshot";
import type { JobResult, PipelineBuild, RunningJob } from "./running_job";

export async function startPortableJob(
  name: string,
  runner: Runner,
  build: PipelineBuild,
  sinkFigures?: () => readonly SinkSnapshot[],
): Promise<RunningJob> {
  const pipeline = await runner.runAsync(build);
  return outsideJob({
    runner: name,
    ended: pipeline.waitUntilFinish(),
    finish: async () => ({ counters: await pipeline.counters(), recordsRead: undefined, lateOutputs: [] }),
    counters: () => pipeline.counters(),
    // The SDK's results have no common cancel: the one that has it is asked, else the job is left to its console.
    stop: async () => {
      const cancellable = pipeline as PipelineResult & { cancel?: () => Promise<void> };
      await cancellable.cancel?.().catch(() => undefined);
    },
    ...(sinkFigures !== undefined ? { sinkFigures } : {}),
  });
}

/** A job seen from outside (Dataflow, Flink): what it is, when it ends, what it gives at its end, how it stops. */
export interface OutsideJob {
  readonly runner: string;
  /** Settles when the job ended; rejects with its failure. */
  readonly ended: Promise<unknown>;
  /** The result, read once `ended` resolved. */
  readonly finish: () => Promise<JobResult>;
  /** Beam's counters of the job now, for its snapshot. */
  readonly counters: () => Promise<Readonly<Record<string, number>>>;
  readonly stop: () => Promise<void>;
  readonly sinkFigures?: () => readonly SinkSnapshot[];
}

/** The RunningJob of a job seen from outside: its state follows `ended`, its snapshot is outside_snapshot.ts's. */
export function outsideJob(job: OutsideJob): RunningJob {
  let state: "RUNNING" | "DONE" | "FAILED" = "RUNNING";
  const result = job.ended.then(
    (): Promise<JobResult> => {
      state = "DONE";
      return job.finish();
    },
    (e: unknown) => {
      state = "FAILED";
      throw e;
    },
  );
  result.catch(() => undefined); // observed by whoever awaits `result`
  return {
    runner: job.runner,
    snapshot: outsideSnapshot({ state: () => state, counters: job.counters, ...(job.sinkFigures !== undefined ? { sinkFigures: job.sinkFigures } : {}) }),
    stop: job.stop,
    result,
  };
}
