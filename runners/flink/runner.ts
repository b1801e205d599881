/**
 * The Flink runner: the pipeline proto our transforms build is submitted through the SDK's PortableRunner to a
 * Beam Flink job server (npm run flink:up starts one on 127.0.0.1:8099 in front of a local Flink cluster), in
 * streaming mode. Flink (Java) runs TestStream, GroupByKey, windowing, triggers and lateness; the TypeScript steps
 * run in SDK workers: LOOPBACK (in this process) or an EXTERNAL worker pool.
 *
 * A job that fails is reported with Flink's root cause in one line (read from the JobManager's REST API); the
 * counters (user counters and Beam's droppedDueToLateness) come from the job's Beam metrics accumulator.
 */
import "apache-beam";
import { JobMessage_MessageImportance, JobState_Enum } from "apache-beam/proto/beam_job_api";
import type { JobServiceClient } from "apache-beam/proto/beam_job_api.client";
import * as runnerApi from "apache-beam/proto/beam_runner_api";
import { PipelineResult, Runner } from "apache-beam/runners/runner";
import { PortableRunner } from "apache-beam/runners/portable_runner/runner";
import * as environments from "apache-beam/internal/environments";
import { isPortOpen } from "../../lib/ports";
import { WINDOWED_COMBINE_URN } from "../../model/urns";
import { jobCounters } from "./accumulators";
import { DEFAULT_FLINK_MASTER, DEFAULT_JOB_ENDPOINT, type FlinkRunnerOptions } from "./options";
import { hostPort } from "../../lib/host_port";
import { quietSdk } from "../../sdk_workarounds/quiet_sdk";
import { deepestCause, findJob, rootCause, type JobSummary } from "../../lib/flink_rest";
import { awaitingLastActivity, holdAsyncDoFns, withAwaitingParDos } from "../../sdk_workarounds/awaiting_pardo_operator";
import { withLiftedCombines } from "./lifted_combines";
import { jobServerHasLateOutput, withLateOutputs } from "./late_output";
import "../../sdk_workarounds/precombine_operator";
import "../../sdk_workarounds/worker_control_errors";
import { WorkerProcessPool } from "./worker_processes";
import {
  allInputWatermarksPast,
  cancelFlinkJob,
  stopWithSavepoint,
  triggerSavepoint,
  waitForTerminal,
  waitUntilQuiet,
} from "./job_control";

/** A job that did not finish: `message` is one line with Flink's root cause. */
export class FlinkJobError extends Error {
  constructor(
    message: string,
    readonly state: string,
  ) {
    super(message);
    this.name = "FlinkJobError";
  }
}

interface PortableResult {
  waitUntilFinish(duration?: number): Promise<JobState_Enum>;
  cancel(): Promise<void>;
  /** The SDK's PortableRunnerPipelineResult keeps these (public in its JavaScript). */
  readonly runner?: { getClient(): Promise<JobServiceClient> };
  readonly jobId?: string;
}

export class FlinkPipelineResult extends PipelineResult {
  private flinkJob: JobSummary | undefined;

  constructor(
    private readonly portable: PortableResult,
    readonly jobName: string,
    private readonly restUrl: string,
    private readonly release: () => void,
    /** The combines submitted lifted (lifted_combines.ts), by unique name. */
    readonly liftedCombines: readonly string[] = [],
    /** The windowed combines whose late data Flink reports on their `late` output (late_output.ts). */
    readonly lateOutputs: readonly string[] = [],
  ) {
    super();
  }

  /** Waits for the job; resolves with DONE, rejects with a FlinkJobError (Flink's root cause) otherwise. */
  override async waitUntilFinish(duration?: number): Promise<JobState_Enum> {
    let state: JobState_Enum;
    try {
      state = await this.portable.waitUntilFinish(duration);
    } finally {
      if (duration === undefined) this.release();
    }
    if (duration !== undefined && !isTerminal(state)) return state;
    this.release();
    if (state === JobState_Enum.DONE) return state;
    throw new FlinkJobError(await this.failureLine(state), JobState_Enum[state]);
  }

  /**
   * Cancels the Flink job (through the REST API: cancelling the Beam job invocation alone leaves it RUNNING) and
   * the job invocation.
   */
  async cancel(): Promise<void> {
    try {
      const job = await this.waitForFlinkJob();
      if (job !== undefined && !isFlinkTerminal(job.state)) await cancelFlinkJob(this.restUrl, job.jid);
      await this.portable.cancel().catch(() => undefined);
    } finally {
      this.release();
    }
  }

  /**
   * Stops the job with a savepoint under `targetDirectory` and waits until it has finished. `drain`: Flink emits
   * the maximum watermark first, so every window fires its final pane (the end of input; a job resumed from this
   * savepoint starts with all windows closed); without it, windows stay open in the savepoint (stop to resume).
   */
  async stop(targetDirectory: string, drain: boolean, timeoutMs = 180_000): Promise<string> {
    try {
      const job = await this.waitForFlinkJob();
      if (job === undefined) throw new Error(`the Flink job ${this.jobName} is not on the cluster at ${this.restUrl}`);
      const savepoint = await stopWithSavepoint(this.restUrl, job.jid, targetDirectory, drain, timeoutMs);
      await waitForTerminal(this.restUrl, job.jid, timeoutMs);
      return savepoint;
    } finally {
      this.release();
    }
  }

  /**
   * Pauses the job so it can be resumed (`--restore-from`): a savepoint under `targetDirectory` while the job runs,
   * then the async DoFns of this process (the sinks in LOOPBACK workers) are held and the job is cancelled.
   * Resolves with the savepoint's path. Not Flink's stop-with-savepoint: on Beam 2.49 its source ends with the
   * maximum watermark, which fires every open window as final before the job stops (measured: the window open at
   * the savepoint was written final with half its records, and its real final pane could not overwrite it).
   * Rows written between the savepoint and the hold are written again, identically, after the resume.
   */
  async suspend(targetDirectory: string, timeoutMs = 60_000): Promise<string> {
    try {
      const job = await this.waitForFlinkJob();
      if (job === undefined) throw new Error(`the Flink job ${this.jobName} is not on the cluster at ${this.restUrl}`);
      const savepoint = await triggerSavepoint(this.restUrl, job.jid, targetDirectory, timeoutMs);
      holdAsyncDoFns();
      await cancelFlinkJob(this.restUrl, job.jid);
      await waitForTerminal(this.restUrl, job.jid, timeoutMs);
      return savepoint;
    } finally {
      this.release();
    }
  }

  /**
   * The end of input, as `--stop-when-idle` on the direct runner: once no record has moved for `idleMs` and
   * `caughtUp` says the source has read everything there is (the pipeline checks Kafka: KafkaIO's committed
   * offsets at the end of every partition), Flink is
   * asked to stop with a draining savepoint (it emits the maximum watermark), and the job is cancelled once every
   * vertex's input watermark is past the moment the job went quiet (or at the maximum), nothing moved for 3 s and
   * no sink in this process did anything for 3 s: every window that could close has fired its final pane and been written.
   * With KafkaIO as Flink's native source (npm run flink:up's expansion service) the draining savepoint completes
   * and the job finishes once every window has fired and been written. With KafkaIO's SDF read (another expansion
   * service) it never completed on Flink 1.15 + Beam 2.49 with LOOPBACK workers, and the cancel after the watermark
   * check is what ends the run: then windows ending in the future (event time ahead of the clock) are not finalised.
   */
  async finishWhenIdle(
    idleMs: number,
    savepointDirectory: string,
    caughtUp: () => Promise<boolean> = async () => true,
    timeoutMs = 300_000,
  ): Promise<void> {
    const job = await this.waitForFlinkJob();
    if (job === undefined) throw new Error(`the Flink job ${this.jobName} is not on the cluster at ${this.restUrl}`);
    // Flink's record counters lag (a split read reports in bursts): idle also needs the source's own word.
    let quietSince = await waitUntilQuiet(this.restUrl, job.jid, idleMs);
    while (!(await caughtUp())) quietSince = await waitUntilQuiet(this.restUrl, job.jid, idleMs);
    // With KafkaIO as Flink's native source (the expansion service's use_deprecated_read) the draining savepoint
    // completes: every window has fired and its panes were written (bundles finish before the barrier), and the
    // job finishes. The watermark check below is for reads that do not acknowledge it (KafkaIO's SDF read).
    let drained = false;
    stopWithSavepoint(this.restUrl, job.jid, savepointDirectory, true, timeoutMs).then(
      () => (drained = true),
      () => undefined,
    );
    const deadline = Date.now() + timeoutMs;
    while (!drained && !(await allInputWatermarksPast(this.restUrl, job.jid, quietSince).catch(() => false))) {
      if (Date.now() > deadline) throw new Error(`the Flink job ${this.jobName} did not drain in ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 500));
    }
    if (drained) {
      await waitForTerminal(this.restUrl, job.jid, timeoutMs);
      this.release();
      return;
    }
    await waitUntilQuiet(this.restUrl, job.jid, 3000);
    // The final panes are written by the sinks, in this process's LOOPBACK workers: wait until they are quiet.
    while (Date.now() - awaitingLastActivity() < 3000) await new Promise((r) => setTimeout(r, 250));
    await this.cancel();
    await waitForTerminal(this.restUrl, job.jid, timeoutMs);
  }

  /**
   * Waits for the Flink job's own end (through the REST API: the job server's view ends when its client loses the
   * job, e.g. while Flink restarts it after a TaskManager was lost). FINISHED/CANCELED resolve with the state;
   * FAILED rejects with a FlinkJobError carrying Flink's root cause.
   */
  async waitForFlinkEnd(): Promise<string> {
    const job = await this.waitForFlinkJob();
    if (job === undefined) throw new Error(`the Flink job ${this.jobName} is not on the cluster at ${this.restUrl}`);
    const state = await waitForTerminal(this.restUrl, job.jid, Number.MAX_SAFE_INTEGER);
    this.flinkJob = undefined;
    if (state === "FAILED") throw new FlinkJobError(await this.failureLine(JobState_Enum.FAILED), state);
    return state;
  }

  /** The Flink job once the job server has submitted it (a few seconds after runPipeline resolves). */
  async waitForFlinkJob(timeoutMs = 60_000): Promise<JobSummary | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const job = await this.flinkJobSummary();
      if (job !== undefined || Date.now() > deadline) return job;
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  /** The Flink job (id, state), found by name on the JobManager. */
  async flinkJobSummary(): Promise<JobSummary | undefined> {
    if (this.flinkJob === undefined || !isFlinkTerminal(this.flinkJob.state)) {
      this.flinkJob = await findJob(this.restUrl, this.jobName);
    }
    return this.flinkJob;
  }

  /** User counters and Beam's droppedDueToLateness, summed over steps (Flink's `__metricscontainers`). */
  override async counters(): Promise<{ [key: string]: number }> {
    const job = await this.flinkJobSummary();
    return job === undefined ? {} : jobCounters(this.restUrl, job.jid);
  }

  private jobServerError(): Promise<string | undefined> {
    return lastJobServerError(this.portable);
  }

  private async failureLine(state: JobState_Enum): Promise<string> {
    const what = `the Flink job ${this.jobName} ended ${JobState_Enum[state]}`;
    try {
      const job = await this.flinkJobSummary();
      if (job === undefined) {
        const error = await this.jobServerError();
        return error !== undefined
          ? `${what} before Flink ran it: ${error}`
          : `${what} before Flink ran it; see the job server's log (.stack/flink/logs/job-server.log)`;
      }
      const cause = await rootCause(this.restUrl, job.jid);
      return `${what}: ${cause ?? "no exception recorded"} (details: ${this.restUrl}/#/job/${job.jid}/exceptions)`;
    } catch (e) {
      return `${what}; Flink's REST API at ${this.restUrl} did not say why (${e instanceof Error ? e.message : String(e)})`;
    }
  }
}

/** The job server's last ERROR message about the job (its message stream replays them), as one line. */
async function lastJobServerError(portable: PortableResult, waitMs = 3000): Promise<string | undefined> {
  if (portable.runner === undefined || portable.jobId === undefined) return undefined;
  const client = await portable.runner.getClient();
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), waitMs);
  let last: string | undefined;
  try {
    const call = client.getMessageStream({ jobId: portable.jobId }, { abort: abort.signal });
    for await (const m of call.responses) {
      if (m.response.oneofKind === "messageResponse") {
        const r = m.response.messageResponse;
        if (r.importance === JobMessage_MessageImportance.JOB_MESSAGE_ERROR) last = r.messageText;
      } else if (m.response.oneofKind === "stateResponse" && isTerminal(m.response.stateResponse.state)) {
        break;
      }
    }
  } catch {
    // aborted or closed: keep what arrived
  } finally {
    clearTimeout(timer);
  }
  return last === undefined ? undefined : deepestCause(last);
}

function isTerminal(state: JobState_Enum): boolean {
  return [JobState_Enum.DONE, JobState_Enum.FAILED, JobState_Enum.CANCELLED, JobState_Enum.UPDATED, JobState_Enum.DRAINED].includes(state);
}

function isFlinkTerminal(state: string): boolean {
  return state === "FINISHED" || state === "FAILED" || state === "CANCELED";
}

let jobCounter = 0;

/**
 * Between two restarts after a failure: a restart finds no slots until the lost TaskManager is back (a process
 * supervisor, or `npm run flink:up`, takes ~10–20 s here), and each attempt without slots fails at once: with 2 s,
 * 5 attempts were used up before the TaskManager was back (measured).
 */
const DEFAULT_RESTART_DELAY_MS = 10_000;

/** infra/flink/job-server/src: makes the job server stage no jars (Beam is on the cluster's classpath). */
const NO_STAGING_DETECTOR_FACTORY = "local.beamts.NoStagingDetectorFactory";

export class FlinkRunner extends Runner {
  constructor(private readonly options: FlinkRunnerOptions = {}) {
    super();
  }

  override async runPipeline(pipeline: runnerApi.Pipeline): Promise<FlinkPipelineResult> {
    const o = this.options;
    const jobEndpoint = o.jobEndpoint ?? DEFAULT_JOB_ENDPOINT;
    const flinkMaster = o.flinkMaster ?? DEFAULT_FLINK_MASTER;
    const endpoint = hostPort(jobEndpoint, "--job-endpoint");
    hostPort(flinkMaster, "--flink-master");
    if (!(await isPortOpen(endpoint.host, endpoint.port, 2000))) {
      throw new Error(
        `no Beam job server answers on ${jobEndpoint}: start the local Flink stack with \`npm run flink:up\` ` +
          `(or point --job-endpoint at a running job server)`,
      );
    }
    const environment = o.environment ?? "LOOPBACK";
    // Async DoFns (sinks) run in our awaiting operator: their writes complete before a bundle is acknowledged.
    let proto = withAwaitingParDos(pipeline).pipeline;
    // The late-data output (late_output.ts), where the job server translates it: Beam's own counts only.
    let lateOutputs: string[] = [];
    if (o.lateOutput !== false) {
      const portable = new PortableRunner({ jobEndpoint });
      const ours = await jobServerHasLateOutput(await portable.getClient()).catch(() => false);
      if (ours) ({ pipeline: proto, rewritten: lateOutputs } = withLateOutputs(proto));
      else if (o.lateOutput === true) {
        throw new Error(
          `the job server at ${jobEndpoint} has no late-data output (Beam's own job server): start ours with \`npm run flink:up\`, or run without lateOutput`,
        );
      } else if (hasWindowedCombine(proto)) {
        (o.log ?? ((line: string) => process.stderr.write(line + "\n")))(
          `flink: the job server at ${jobEndpoint} is Beam's own (no beam-ts late-data translation): the late output stays empty and dropped records are only counted (droppedDueToLateness); \`npm run flink:up\` starts ours`,
        );
      }
    }
    // Partial combines before Flink's GroupByKey (lifted_combines.ts): only with bundles of more than one element.
    let liftedCombines: string[] = [];
    if ((o.maxBundleSize ?? 1) > 1 && o.liftCombines !== false) ({ pipeline: proto, lifted: liftedCombines } = withLiftedCombines(proto));
    if (environment === "EXTERNAL") {
      if (o.workerPool === undefined) throw new Error("the EXTERNAL environment needs --worker-pool host:port");
      hostPort(o.workerPool, "--worker-pool");
      proto = withExternalWorkers(proto, o.workerPool);
    }
    let workerProcesses: WorkerProcessPool | undefined;
    if (environment === "PROCESSES") {
      workerProcesses = new WorkerProcessPool(({ workerId, message }) => o.onWorkerMessage?.(message, workerId));
      proto = withExternalWorkers(proto, await workerProcesses.start());
    }
    const jobName = o.jobName ?? `beam-ts-${Date.now()}-${process.pid}-${++jobCounter}`;
    const releaseSdk = o.verboseSdk ? () => {} : quietSdk();
    const release = (): void => {
      releaseSdk();
      workerProcesses?.stop();
    };
    const portableOptions = {
      jobEndpoint,
      jobName,
      streaming: true,
      maxBundleSize: o.maxBundleSize ?? 1,
      ...(environment === "LOOPBACK" ? { environmentType: "LOOPBACK" } : {}),
      ...(o.parallelism !== undefined ? { parallelism: o.parallelism } : {}),
      // One SDK worker (environment) per parallel subtask slot, not one per TaskManager: a process each
      // (PROCESSES, or an EXTERNAL pool started with `flink:workers --processes`).
      ...(environment !== "LOOPBACK" ? { sdkWorkerParallelism: o.sdkWorkers ?? o.parallelism ?? 1 } : {}),
      ...(o.stageClasspath ? {} : { pipelineResourcesDetectorFactoryClass: NO_STAGING_DETECTOR_FACTORY }),
      ...(o.checkpointInterval !== undefined
        ? {
            checkpointingInterval: o.checkpointInterval,
            // Checkpoints kept when the job fails or is cancelled (Flink discards them otherwise, whatever
            // retainExternalizedCheckpointsOnCancellation says): a later run resumes from them (job_lineage.ts).
            externalizedCheckpointsEnabled: true,
            retainExternalizedCheckpointsOnCancellation: true,
            // A bundle finishes before the barrier, so its outputs go downstream with the checkpoint rather than
            // into the operator's state to be emitted after it (Beam's default); bundles are one element here.
            finishBundleBeforeCheckpointing: true,
          }
        : {}),
      ...(o.restartAttempts !== undefined
        ? { numberOfExecutionRetries: o.restartAttempts, executionRetryDelay: o.restartDelay ?? DEFAULT_RESTART_DELAY_MS }
        : {}),
      ...(o.restoreFrom !== undefined ? { savepointPath: o.restoreFrom } : {}),
    };
    try {
      const portable = (await new PortableRunner(portableOptions as never).runPipeline(proto)) as unknown as PortableResult;
      return new FlinkPipelineResult(portable, jobName, `http://${flinkMaster}`, release, liftedCombines, lateOutputs);
    } catch (e) {
      release();
      throw new Error(`the job server at ${jobEndpoint} did not accept the job: ${oneLine(e)}`);
    }
  }
}

/** A gRPC or other error in one line (gRPC errors carry their status text in `message`). */
function oneLine(e: unknown): string {
  const text = (e instanceof Error ? e.message : String(e)).split("\n")[0].trim();
  const code = (e as { code?: unknown }).code;
  return text !== "" ? text : `${code !== undefined ? `gRPC ${String(code)}, ` : ""}no reason given; see the job server's log (.stack/flink/logs/job-server.log)`;
}

function hasWindowedCombine(pipeline: runnerApi.Pipeline): boolean {
  return Object.values(pipeline.components?.transforms ?? {}).some((t) => t.spec?.urn === WINDOWED_COMBINE_URN);
}

function withExternalWorkers(pipeline: runnerApi.Pipeline, workerPool: string): runnerApi.Pipeline {
  const copy = runnerApi.Pipeline.clone(pipeline);
  for (const [id, env] of Object.entries(copy.components!.environments)) {
    if (env.urn === environments.TYPESCRIPT_DEFAULT_ENVIRONMENT_URN) {
      copy.components!.environments[id] = environments.asExternalEnvironment(env, workerPool);
    }
  }
  return copy;
}

export function flinkRunner(options: FlinkRunnerOptions = {}): FlinkRunner {
  return new FlinkRunner(options);
}
