/**
 * `npm run pipeline -- --runner=flink`: the sales job submitted to a Flink cluster through the Beam job server,
 * reading Kafka with Beam's Java KafkaIO (expanded by the Java expansion service), the TypeScript steps and sinks
 * in LOOPBACK SDK workers inside this process (so this process must keep running while the job runs).
 *
 * How a run ends:
 *   - `--stop-when-idle D`: once no record moved for D (and, with checkpoints, KafkaIO has committed the end offset
 *     of every partition for the group), the job is drained (every window fires its final pane and is written) and
 *     cancelled; exit 0. The topic must have records: an empty topic is idle at once.
 *   - Ctrl-C / SIGTERM: a savepoint, then the job is cancelled (FlinkPipelineResult.suspend); its path is printed and
 *     `--restore-from <path>` resumes from it (KafkaIO's read positions and the open windows are in it).
 *   - A failure Flink cannot restart from (after --restart-attempts): Flink's root cause in one line; exit 1.
 *
 * How a run starts (runners/flink/job_lineage.ts): not while another job of the consumer group runs; from the last
 * checkpoint of the group's previous job when that job failed (its submitting process killed, or a failure Flink
 * could not restart from); else from the group's committed offsets. `--restore-from <path>|none` overrides.
 */
import { flinkRunner, type FlinkPipelineResult } from "../runners/flink/runner";
import { checkpointCounts } from "../runners/flink/job_control";
import { holdAsyncDoFns } from "../sdk_workarounds/awaiting_pardo_operator";
import { jobNameFor, startPointFor, type StartPoint } from "../runners/flink/job_lineage";
import { createKafkaClient } from "../io/kafka/kafka_client";
import { guardFlinkOffsets } from "./flink_progress";
import type { SalesConfig } from "./options";
import { runnerConfig } from "./runner_config";
import { buildPipeline, type SalesIO } from "./sales_aggregation";

export interface FlinkRun {
  readonly result: FlinkPipelineResult;
  readonly jid: string;
  readonly submitSeconds: number;
}

/** Submits the job as `jobName`, from `start` (job_lineage.ts), and returns once Flink runs it. */
export async function submitToFlink(config: SalesConfig, io: SalesIO, jobName: string, start: StartPoint): Promise<FlinkRun> {
  const f = config.flink;
  const t0 = Date.now();
  const runner = flinkRunner({
    ...runnerConfig(config),
    ...(f.checkpointInterval !== null ? { checkpointInterval: f.checkpointInterval } : {}),
    ...(f.restartAttempts > 0 ? { restartAttempts: f.restartAttempts } : {}),
    ...(start.kind === "restore" ? { restoreFrom: start.path } : {}),
    jobName,
  });
  const result = (await runner.runAsync((root) => buildPipeline(root, config, io) ?? undefined)) as unknown as FlinkPipelineResult;
  const job = await result.waitForFlinkJob();
  if (job === undefined) {
    await result.cancel();
    throw new Error(`the job server accepted ${result.jobName} but it never reached Flink at ${f.flinkMaster}; see .stack/flink/logs/job-server.log`);
  }
  return { result, jid: job.jid, submitSeconds: (Date.now() - t0) / 1000 };
}

/**
 * Runs the job to its end (see the header); resolves with the exit code, the job's Beam counters (closing line) and
 * whether the late-data output carried the late records (our job server; Beam's own only counts them).
 */
export async function runOnFlink(
  config: SalesConfig,
  io: SalesIO,
  log: (line: string) => void,
): Promise<{ code: number; counters: Record<string, number>; lateOutput: boolean }> {
  const rest = `http://${config.flink.flinkMaster}`;
  // The group's earlier jobs: one still running refuses this run; one that failed (its submitter killed) resumes.
  const start = await startPointFor(rest, config.groupId, config.flink.restoreFrom, log);
  if (start.kind === "restore" && config.flink.restoreFrom === null) log(`flink: resuming from ${start.path}: ${start.reason}`);
  // A fresh job reads from the group's committed offsets: refuse to re-read a topic the broker forgot into the same tables.
  const offsets = await guardFlinkOffsets(config, start.kind === "restore" ? start.path : undefined, log);
  // With LOOPBACK workers the job's TypeScript steps live in this process: its death ends the job (job_lineage.ts).
  const run = await submitToFlink(config, io, jobNameFor(config.groupId, { loopback: config.flink.workerPool === null }), start).catch(
    async (e: unknown) => {
      await offsets.stop();
      throw e;
    },
  );
  log(`flink: job ${run.result.jobName} running (submitted in ${run.submitSeconds.toFixed(1)} s); web UI ${rest}/#/job/${run.jid}/overview`);
  let suspending: Promise<void> | undefined;
  const onSignal = (): void => {
    if (suspending === undefined) {
      log("flink: stopping: taking a savepoint of the Flink job, then cancelling it (a second Ctrl-C cancels at once)");
      suspending = suspendJob(run, rest, config.flink.savepointDir, log);
    } else {
      log("flink: cancelling the Flink job without a savepoint");
      holdAsyncDoFns();
      void run.result.cancel();
    }
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    if (config.stopWhenIdle !== null) {
      const caughtUp = config.flink.checkpointInterval === null ? undefined : () => groupAtEnd(config);
      const finishing = run.result.finishWhenIdle(config.stopWhenIdle, config.flink.savepointDir, caughtUp);
      await Promise.race([finishing, run.result.waitForFlinkEnd()]);
    } else {
      await run.result.waitForFlinkEnd();
    }
    if (suspending !== undefined) await suspending;
    return { code: 0, counters: await run.result.counters().catch(() => ({})), lateOutput: run.result.lateOutputs.length > 0 };
  } catch (e) {
    if (suspending !== undefined) {
      await suspending;
      return { code: 0, counters: await run.result.counters().catch(() => ({})), lateOutput: run.result.lateOutputs.length > 0 };
    }
    throw e;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await offsets.stop();
  }
}

/** How long a stop with a savepoint may take before the job is cancelled without one. */
const SAVEPOINT_TIMEOUT_MS = 60_000;

/**
 * Ctrl-C / SIGTERM: takes a savepoint in `savepointDir` (open windows stay open in it), cancels the job
 * (FlinkPipelineResult.suspend) and prints how to resume from it. If Flink cannot take it within a minute, the job is cancelled and the newest
 * retained checkpoint, if any, is printed instead.
 */
async function suspendJob(run: FlinkRun, rest: string, savepointDir: string, log: (line: string) => void): Promise<void> {
  try {
    const savepoint = await run.result.suspend(savepointDir, SAVEPOINT_TIMEOUT_MS);
    log(`flink: stopped after a savepoint; resume with --restore-from ${savepoint}`);
    return;
  } catch (e) {
    log(`flink: no savepoint (${e instanceof Error ? e.message : String(e)}); cancelling the job`);
  }
  // Resumed from the last checkpoint, the job must not find windows written final by the cancel (see suspend).
  holdAsyncDoFns();
  await run.result.cancel().catch(() => undefined);
  const c = await checkpointCounts(rest, run.jid).catch(() => undefined);
  log(
    c?.latestPath !== undefined
      ? `flink: cancelled; resume with --restore-from ${c.latestPath}`
      : "flink: cancelled (no completed checkpoint to resume from)",
  );
}

/** Whether the group's committed offsets (KafkaIO commits them after checkpoints) are at the end of every partition. */
async function groupAtEnd(config: SalesConfig): Promise<boolean> {
  const admin = await createKafkaClient({ bootstrapServers: config.bootstrapServers, clientId: "beam-ts-idle-check" }).admin();
  try {
    const ends = await admin.topicOffsets(config.topic);
    const committed = new Map((await admin.committedOffsets(config.groupId, config.topic)).map((c) => [c.partition, c.offset]));
    return ends.every((p) => p.high === "0" || committed.get(p.partition) === p.high);
  } finally {
    await admin.close();
  }
}
