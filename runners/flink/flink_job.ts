/**
 * A job on Flink as a RunningJob (runners/running_job.ts), the TypeScript steps and sinks in LOOPBACK SDK workers
 * inside this process (so this process must keep running while the job runs) or in an EXTERNAL worker pool.
 *
 * Without a lineage (e.g. a bounded sample): submitted, awaited through the job server, cancelled by `stop()`.
 * With a lineage (a Kafka topic read by a consumer group with Beam's Java KafkaIO), the job's whole lifecycle:
 *
 * How a run starts (job_lineage.ts): not while another job of the consumer group runs; from the last checkpoint of
 * the group's previous job when that job failed (its submitting process killed, or a failure Flink could not
 * restart from); else from the group's committed offsets. `restoreFrom` (a path, or "none") overrides.
 *
 * How a run ends:
 *   - `stopWhenIdle` D: once no record moved for D (and, with checkpoints, KafkaIO has committed the end offset of
 *     every partition for the group), the job is drained (every window fires its final pane and is written) and
 *     cancelled. The topic must have records: an empty topic is idle at once.
 *   - SIGINT / SIGTERM, or `stop()`: a savepoint, then the job is cancelled (FlinkPipelineResult.suspend); its path is
 *     printed and `--restore-from <path>` resumes from it (KafkaIO's read positions and the open windows are in it).
 *     A second signal cancels at once.
 *   - A failure Flink cannot restart from (after its restart attempts): `result` rejects with Flink's root cause.
 */
import type { SinkSnapshot } from "../../model/run_snapshot";
import { holdAsyncDoFns } from "../../sdk_workarounds/awaiting_pardo_operator";
import { outsideJob } from "../portable_job";
import type { PipelineBuild, RunningJob } from "../running_job";
import { checkpointCounts } from "./job_control";
import { jobNameFor, startPointFor } from "./job_lineage";
import { kafkaGroupAtEnd, type KafkaGroup } from "./kafka_group_at_end";
import { DEFAULT_FLINK_MASTER, type FlinkRunnerOptions } from "./options";
import { flinkRunner, type FlinkPipelineResult } from "./runner";

/** The consumer group whose jobs follow one another on the cluster (job_lineage.ts), and how its job ends. */
export interface FlinkLineage extends KafkaGroup {
  /** A savepoint or checkpoint path, "none" (the committed offsets), or null: the lineage decides. */
  readonly restoreFrom: string | null;
  /** Finish once no record moved for this long (ms); null: run until stopped. */
  readonly stopWhenIdle: number | null;
  /** Where the suspend and drain savepoints go. */
  readonly savepointDir: string;
  /**
   * Called once the start point is known, before submission (`restoredFrom`: the savepoint or checkpoint the job
   * resumes from, or undefined when it starts from the group's committed offsets); may refuse the run by throwing.
   * What it returns is stopped when the run ends (e.g. the sinks' record of the group's commits).
   */
  readonly beforeSubmit?: (restoredFrom: string | undefined) => Promise<{ stop(): Promise<void> }>;
}

export interface FlinkJobOptions extends FlinkRunnerOptions {
  readonly lineage?: FlinkLineage;
  /** The figures of the sinks in this process's workers, for the run snapshot. */
  readonly sinkFigures?: () => readonly SinkSnapshot[];
}

/** How long a stop with a savepoint may take before the job is cancelled without one. */
const SAVEPOINT_TIMEOUT_MS = 60_000;

/** Submits the job and resolves once it runs (with a lineage: once Flink runs it). */
export async function startFlinkJob(options: FlinkJobOptions, build: PipelineBuild): Promise<RunningJob> {
  const log = options.log ?? ((line: string) => void process.stderr.write(line + "\n"));
  const lineage = options.lineage;
  if (lineage === undefined) {
    const pipeline = (await flinkRunner(options).runAsync(build)) as unknown as FlinkPipelineResult;
    return flinkJob(options, pipeline, pipeline.waitUntilFinish(), () => pipeline.cancel());
  }
  const rest = `http://${options.flinkMaster ?? DEFAULT_FLINK_MASTER}`;
  // The group's earlier jobs: one still running refuses this run; one that failed (its submitter killed) resumes.
  const start = await startPointFor(rest, lineage.groupId, lineage.restoreFrom, log);
  if (start.kind === "restore" && lineage.restoreFrom === null) log(`flink: resuming from ${start.path}: ${start.reason}`);
  const guard = (await lineage.beforeSubmit?.(start.kind === "restore" ? start.path : undefined)) ?? { stop: async () => undefined };
  const t0 = Date.now();
  let pipeline: FlinkPipelineResult;
  let job: Awaited<ReturnType<FlinkPipelineResult["waitForFlinkJob"]>>;
  try {
    pipeline = (await flinkRunner({
      ...options,
      ...(start.kind === "restore" ? { restoreFrom: start.path } : {}),
      // With LOOPBACK workers the job's TypeScript steps live in this process: its death ends the job (job_lineage.ts).
      jobName: jobNameFor(lineage.groupId, { loopback: options.environment !== "EXTERNAL" }),
    }).runAsync(build)) as unknown as FlinkPipelineResult;
    job = await pipeline.waitForFlinkJob();
    if (job === undefined) {
      await pipeline.cancel();
      throw new Error(`the job server accepted ${pipeline.jobName} but it never reached Flink at ${options.flinkMaster ?? DEFAULT_FLINK_MASTER}; see .stack/flink/logs/job-server.log`);
    }
  } catch (e) {
    await guard.stop();
    throw e;
  }
  log(`flink: job ${pipeline.jobName} running (submitted in ${((Date.now() - t0) / 1000).toFixed(1)} s); web UI ${rest}/#/job/${job.jid}/overview`);
  let suspending: Promise<void> | undefined;
  const suspend = (): Promise<void> => (suspending ??= suspendJob(pipeline, rest, job.jid, lineage.savepointDir, log));
  const onSignal = (): void => {
    if (suspending === undefined) {
      log("flink: stopping: taking a savepoint of the Flink job, then cancelling it (a second Ctrl-C cancels at once)");
      void suspend();
    } else {
      log("flink: cancelling the Flink job without a savepoint");
      holdAsyncDoFns();
      void pipeline.cancel();
    }
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const ended = (async (): Promise<void> => {
    try {
      try {
        if (lineage.stopWhenIdle !== null) {
          const caughtUp = options.checkpointInterval === undefined ? undefined : () => kafkaGroupAtEnd(lineage);
          await Promise.race([pipeline.finishWhenIdle(lineage.stopWhenIdle, lineage.savepointDir, caughtUp), pipeline.waitForFlinkEnd()]);
        } else {
          await pipeline.waitForFlinkEnd();
        }
      } catch (e) {
        if (suspending === undefined) throw e; // a stop on purpose ends the job too: not a failure
      }
      if (suspending !== undefined) await suspending;
    } finally {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      await guard.stop();
    }
  })();
  return flinkJob(options, pipeline, ended, suspend);
}

/** The RunningJob of a submitted pipeline that ends when `ended` settles. */
function flinkJob(options: FlinkJobOptions, pipeline: FlinkPipelineResult, ended: Promise<unknown>, stop: () => Promise<void>): RunningJob {
  return outsideJob({
    runner: "flink",
    ended,
    finish: async () => {
      // With a lineage the job was cancelled or drained on purpose: counters it can no longer give are unknown.
      const counters = options.lineage === undefined ? await pipeline.counters() : await pipeline.counters().catch(() => ({}));
      return { counters, recordsRead: undefined, lateOutputs: pipeline.lateOutputs };
    },
    counters: () => pipeline.counters(),
    stop,
    ...(options.sinkFigures !== undefined ? { sinkFigures: options.sinkFigures } : {}),
  });
}

/**
 * A savepoint in `savepointDir` (open windows stay open in it), then the job is cancelled
 * (FlinkPipelineResult.suspend) and how to resume is printed. If Flink cannot take it within a minute, the job is
 * cancelled and the newest retained checkpoint, if any, is printed instead.
 */
async function suspendJob(pipeline: FlinkPipelineResult, rest: string, jid: string, savepointDir: string, log: (line: string) => void): Promise<void> {
  try {
    const savepoint = await pipeline.suspend(savepointDir, SAVEPOINT_TIMEOUT_MS);
    log(`flink: stopped after a savepoint; resume with --restore-from ${savepoint}`);
    return;
  } catch (e) {
    log(`flink: no savepoint (${e instanceof Error ? e.message : String(e)}); cancelling the job`);
  }
  // Resumed from the last checkpoint, the job must not find windows written final by the cancel (see suspend).
  holdAsyncDoFns();
  await pipeline.cancel().catch(() => undefined);
  const c = await checkpointCounts(rest, jid).catch(() => undefined);
  log(
    c?.latestPath !== undefined
      ? `flink: cancelled; resume with --restore-from ${c.latestPath}`
      : "flink: cancelled (no completed checkpoint to resume from)",
  );
}
