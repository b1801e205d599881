/**
 * The direct runner's RunningJob (runners/running_job.ts): the executor's own snapshot, a clean stop (stop
 * reading, commit what is safe, flush the sinks), and the records read as the runner counted them.
 */
import type { JobResult, PipelineBuild, RunningJob } from "../running_job";
import type { DirectRunnerOptions } from "./options";
import { directRunner, type DirectPipelineResult } from "./runner";

/** Starts the pipeline on the direct runner; resolves once it runs. */
export async function startDirectJob(options: DirectRunnerOptions, build: PipelineBuild): Promise<RunningJob> {
  const pipeline = (await directRunner(options).runAsync(build)) as DirectPipelineResult;
  const result = pipeline.waitUntilFinish().then(
    async (): Promise<JobResult> => ({ counters: await pipeline.counters(), recordsRead: pipeline.stats().elementsRead, lateOutputs: undefined }),
  );
  result.catch(() => undefined); // observed by whoever awaits `result`; no unhandled rejection before that
  return {
    runner: "direct",
    snapshot: () => pipeline.snapshot(),
    stop: async () => {
      await pipeline.stop().catch(() => undefined);
    },
    result,
  };
}
