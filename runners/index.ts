/**
 * Runner selection: `createRunner({ runner: "direct", ... })`. The direct runner is ours (runners/direct);
 * flink and dataflow are built by another issue and throw until then.
 */
import "apache-beam"; // load the SDK in its own order first: its modules import each other circularly
import type { Runner } from "apache-beam/runners/runner";
import { directRunner } from "./direct/runner";
import type { DirectRunnerOptions } from "./direct/options";

export type RunnerName = "direct" | "flink" | "dataflow";

export const RUNNER_NAMES: readonly RunnerName[] = ["direct", "flink", "dataflow"];

export interface RunnerConfig extends DirectRunnerOptions {
  readonly runner: RunnerName;
}

export function createRunner(config: RunnerConfig): Runner {
  switch (config.runner) {
    case "direct":
      return directRunner({ handleSignals: true, ...config });
    case "flink":
    case "dataflow":
      throw new Error(
        `The ${config.runner} runner is not built yet (it comes with its own issue); use --runner=direct.`,
      );
    default:
      throw new Error(
        `Unknown runner "${String((config as { runner: unknown }).runner)}"; choose one of ${RUNNER_NAMES.join(", ")}.`,
      );
  }
}

export { directRunner, DirectStreamingRunner, DirectPipelineResult } from "./direct/runner";
export type { DirectRunnerOptions } from "./direct/options";
