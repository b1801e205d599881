/**
 * The RunningJob of a runner seen only through Beam's PipelineResult (Dataflow): submitted, awaited, cancelled by
 * `stop()` where its result can cancel; its snapshot holds its state and Beam's counters (outside_snapshot.ts).
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
  let state: "RUNNING" | "DONE" | "FAILED" = "RUNNING";
  const result = pipeline.waitUntilFinish().then(
    async (): Promise<JobResult> => {
      state = "DONE";
      return { counters: await pipeline.counters(), recordsRead: undefined, lateOutputs: [] };
    },
    (e: unknown) => {
      state = "FAILED";
      throw e;
    },
  );
  result.catch(() => undefined); // observed by whoever awaits `result`
  return {
    runner: name,
    snapshot: outsideSnapshot({ state: () => state, counters: () => pipeline.counters(), ...(sinkFigures !== undefined ? { sinkFigures } : {}) }),
    // The SDK's results have no common cancel: the one that has it is asked, else the job is left to its console.
    stop: async () => {
      const cancellable = pipeline as PipelineResult & { cancel?: () => Promise<void> };
      await cancellable.cancel?.().catch(() => undefined);
    },
    result,
  };
}
