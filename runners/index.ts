/**
 * Runner selection: `startJob({ runner: "direct" | "flink" | "dataflow", ... }, build)` starts a pipeline and hands
 * back its RunningJob (running_job.ts), the one way a job is run and watched on every runner;
 * `createRunner(...)` gives the Beam Runner itself. The direct runner is ours (runners/direct); flink submits to a
 * Beam Flink job server (runners/flink; a Kafka job's lifecycle in flink/flink_job.ts); dataflow needs Python's
 * apache-beam and Google Cloud (runners/dataflow.ts) and says what is missing. This is the runners' entry: code
 * above runners/ imports this file only (test/unit/layout.test.ts).
 */
import "apache-beam"; // load the SDK in its own order first: its modules import each other circularly
import type { Runner } from "apache-beam/runners/runner";
import { directRunner } from "./direct/runner";
import type { DirectRunnerOptions } from "./direct/options";
import { flinkRunner } from "./flink/runner";
import type { FlinkRunnerOptions } from "./flink/options";
import { dataflowRunner, type DataflowOptions } from "./dataflow";
import { startDirectJob } from "./direct/direct_job";
import { startFlinkJob, type FlinkJobOptions } from "./flink/flink_job";
import { startPortableJob } from "./portable_job";
import type { PipelineBuild, RunningJob } from "./running_job";

export type RunnerName = "direct" | "flink" | "dataflow";

export const RUNNER_NAMES: readonly RunnerName[] = ["direct", "flink", "dataflow"];

/** The runner and its options (each runner reads its own; the others are ignored). */
export interface RunnerConfig extends DirectRunnerOptions, FlinkRunnerOptions, DataflowOptions {
  readonly runner: RunnerName;
}

/** What startJob takes: the runner, its options, and the Flink job's lineage (flink/flink_job.ts). */
export interface JobConfig extends RunnerConfig, FlinkJobOptions {}

/**
 * Starts `build` on the chosen runner; resolves once the job runs. The direct runner handles SIGINT/SIGTERM itself
 * (a clean stop), and so does a Flink job with a lineage (a savepoint, then cancel).
 */
export async function startJob(config: JobConfig, build: PipelineBuild): Promise<RunningJob> {
  switch (config.runner) {
    case "direct":
      return startDirectJob({ handleSignals: true, ...config }, build);
    case "flink":
      return startFlinkJob(config, build);
    case "dataflow":
      return startPortableJob("dataflow", dataflowRunner(config), build, config.sinkFigures);
    default:
      return unknownRunner(config.runner);
  }
}

function unknownRunner(runner: unknown): never {
  throw new Error(`Unknown runner "${String(runner)}"; choose one of ${RUNNER_NAMES.join(", ")}.`);
}

export function createRunner(config: RunnerConfig): Runner {
  switch (config.runner) {
    case "direct":
      return directRunner({ handleSignals: true, ...config });
    case "flink":
      return flinkRunner(config);
    case "dataflow":
      return dataflowRunner(config);
    default:
      return unknownRunner((config as { runner: unknown }).runner);
  }
}

export { directRunner, DirectStreamingRunner, DirectPipelineResult } from "./direct/runner";
export type { DirectRunnerOptions } from "./direct/options";
export { FlinkRunner, FlinkPipelineResult, FlinkJobError, flinkRunner } from "./flink/runner";
export type { FlinkRunnerOptions, WorkerEnvironment } from "./flink/options";
export type { DataflowOptions } from "./dataflow";
export type { JobResult, PipelineBuild, RunningJob } from "./running_job";
export type { FlinkLineage } from "./flink/flink_job";
export type { CommitListener } from "./direct/sources/source";
export { WorkerProcessPool } from "./flink/worker_processes";
export { ON_STEP_ERROR, type StepFailure, type OnStepError } from "./direct/step_errors";
// npm start reads the direct runner's commits back (pipelines/start.ts).
export { decodeCommitMetadata } from "./direct/sources/kafka_offsets";
