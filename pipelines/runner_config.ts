/**
 * The config → runner-options mapping, written once: `runnerConfig` is what every runner reads, `jobConfig` adds
 * what pipelines/main.ts starts the job with: the sinks' figures for the run snapshot, the direct runner's
 * step-error policy, and for a Kafka job on Flink its lineage (the consumer group, --restore-from, --stop-when-idle,
 * the savepoint folder) with checkpoints and restarts (runners/flink/flink_job.ts).
 */
import type { JobConfig, RunnerConfig } from "../runners";
import type { CommitListener, FlinkLineage, StepFailure } from "../runners";
import type { SinkSnapshot } from "../model/run_snapshot";
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

/** What the job is started with besides the config: the sinks' figures, and where a step's failed record goes. */
export interface JobHooks {
  readonly sinkFigures: () => readonly SinkSnapshot[];
  /** --on-step-error=dead-letter: the record a step threw on (direct runner). */
  readonly deadLetter: (failure: StepFailure) => void;
  /** Each offset commit the broker took, before it counts as done (direct runner: the sinks' record of it). */
  readonly onCommitted?: CommitListener;
  /** A Kafka job on Flink: its check before submission, and what records the group's commits while it runs. */
  readonly beforeFlinkSubmit?: FlinkLineage["beforeSubmit"];
}

/** runnerConfig, the hooks, and the Flink lifecycle of a Kafka job. */
export function jobConfig(config: SalesConfig, hooks: JobHooks): JobConfig {
  const f = config.flink;
  const kafkaOnFlink = config.runner === "flink" && config.source === "kafka";
  return {
    ...runnerConfig(config),
    onStepError: config.onStepError,
    sinkFigures: hooks.sinkFigures,
    deadLetter: hooks.deadLetter,
    ...(hooks.onCommitted === undefined ? {} : { onCommitted: hooks.onCommitted }),
    ...(kafkaOnFlink
      ? {
          ...(f.checkpointInterval !== null ? { checkpointInterval: f.checkpointInterval } : {}),
          ...(f.restartAttempts > 0 ? { restartAttempts: f.restartAttempts } : {}),
          lineage: {
            groupId: config.groupId,
            topic: config.topic,
            bootstrapServers: config.bootstrapServers,
            restoreFrom: f.restoreFrom,
            stopWhenIdle: config.stopWhenIdle,
            savepointDir: f.savepointDir,
            ...(hooks.beforeFlinkSubmit === undefined ? {} : { beforeSubmit: hooks.beforeFlinkSubmit }),
          },
        }
      : {}),
  };
}
