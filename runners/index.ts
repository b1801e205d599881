/**
 * Runner selection: `createRunner({ runner: "direct" | "flink" | "dataflow", ... })`. The direct runner is ours
 * (runners/direct); flink submits to a Beam Flink job server (runners/flink); dataflow needs Python's apache-beam
 * and Google Cloud (runners/dataflow.ts) and says what is missing.
 */
import "apache-beam"; // load the SDK in its own order first: its modules import each other circularly
import type { Runner } from "apache-beam/runners/runner";
import { directRunner } from "./direct/runner";
import type { DirectRunnerOptions } from "./direct/options";
import { flinkRunner } from "./flink/runner";
import type { FlinkRunnerOptions } from "./flink/options";
import { dataflowRunner, type DataflowOptions } from "./dataflow";

export type RunnerName = "direct" | "flink" | "dataflow";

export const RUNNER_NAMES: readonly RunnerName[] = ["direct", "flink", "dataflow"];

/** The runner and its options (each runner reads its own; the others are ignored). */
export interface RunnerConfig extends DirectRunnerOptions, FlinkRunnerOptions, DataflowOptions {
  readonly runner: RunnerName;
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
      throw new Error(
        `Unknown runner "${String((config as { runner: unknown }).runner)}"; choose one of ${RUNNER_NAMES.join(", ")}.`,
      );
  }
}

export { directRunner, DirectStreamingRunner, DirectPipelineResult } from "./direct/runner";
export type { DirectRunnerOptions } from "./direct/options";
export { FlinkRunner, FlinkPipelineResult, FlinkJobError, flinkRunner } from "./flink/runner";
export type { FlinkRunnerOptions, WorkerEnvironment } from "./flink/options";
export type { DataflowOptions } from "./dataflow";
