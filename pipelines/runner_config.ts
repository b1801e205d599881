/**
 * The config → runner-options mapping, written once: `pipelines/main.ts` hands it to createRunner, and the Flink
 * job (pipelines/flink_job.ts) adds only what a Kafka job on Flink needs besides (checkpoints, restarts, the
 * savepoint it restores from, its job name).
 */
import type { RunnerConfig } from "../runners";
import type { SalesConfig } from "./options";

/** The runner's options from the config (each runner reads its own). */
export function runnerConfig(config: SalesConfig): RunnerConfig {
  const f = config.flink;
  const d = config.dataflow;
  return {
    runner: config.runner,
    ...(config.stateDir !== null ? { stateDir: config.stateDir } : {}),
    flinkMaster: f.flinkMaster,
    jobEndpoint: f.jobEndpoint,
    ...(f.parallelism !== null ? { parallelism: f.parallelism } : {}),
    ...(f.workerPool !== null ? { environment: "EXTERNAL" as const, workerPool: f.workerPool } : {}),
    ...(f.stageClasspath ? { stageClasspath: true } : {}),
    ...(d.project !== null ? { project: d.project } : {}),
    ...(d.region !== null ? { region: d.region } : {}),
    ...(d.tempLocation !== null ? { tempLocation: d.tempLocation } : {}),
  };
}
