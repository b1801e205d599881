/**
 * The runners, as the public API re-exports them (transforms/index.ts: `export * from "../runtime"`). Transforms
 * themselves never import a runner; this module is the one place the API facade reaches into runners/.
 */
export { createRunner, directRunner, RUNNER_NAMES } from "./runners";
export type { RunnerConfig, RunnerName, DirectRunnerOptions, FlinkRunnerOptions, DataflowOptions } from "./runners";
export { FlinkRunner, FlinkPipelineResult, FlinkJobError, flinkRunner } from "./runners";
export { DirectStreamingRunner, DirectPipelineResult } from "./runners/direct/runner";
export { BUILT_IN_SOURCES } from "./runners/direct/sources/registry";
export type { SourceRegistration } from "./runners/direct/sources/registry";
export type { UnboundedSource, SourceBatch, SourceRecord, SourceContext, SourceFactory, SourceFactoryContext } from "./runners/direct/sources/source";
