/**
 * The streaming direct runner: executes the pipeline proto the Beam SDK builds, in process, with Beam's
 * event-time model (watermarks, windows, triggers, allowed lateness, panes), unbounded sources, TestStream on a
 * virtual clock, async DoFns with backpressure, and a late-data output for windowed combines.
 */
import "apache-beam"; // load the SDK in its own order first: its modules import each other circularly
import { Runner, PipelineResult } from "apache-beam/runners/runner";
import type * as runnerApi from "apache-beam/proto/beam_runner_api";
import { JobState_Enum } from "apache-beam/proto/beam_job_api";
import type { MonitoringInfo } from "apache-beam/proto/metrics";
import { planPipeline } from "./plan";
import { sourceTable } from "./sources/registry";
import { Executor, type ExecutorOptions, type RunStats } from "./executor";
import type { DistributionValue } from "./metrics";
import type { RunSnapshot } from "../../model/run_snapshot";
import { DEFAULT_DIRECT_RUNNER_OPTIONS, type DirectRunnerOptions } from "./options";

export class DirectPipelineResult extends PipelineResult {
  private state: JobState_Enum = JobState_Enum.RUNNING;
  private readonly finished: Promise<JobState_Enum>;

  constructor(private readonly executor: Executor) {
    super();
    this.finished = executor.run().then(
      () => (this.state = JobState_Enum.DONE),
      (error: unknown) => {
        this.state = JobState_Enum.FAILED;
        throw error;
      },
    );
    // The caller observes failures through waitUntilFinish(); avoid an unhandled rejection before it does.
    this.finished.catch(() => undefined);
  }

  /** Resolves with DONE when the pipeline finished; rejects with the pipeline's error when it failed. */
  override async waitUntilFinish(duration?: number): Promise<JobState_Enum> {
    if (duration === undefined) return this.finished;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<JobState_Enum>((resolve) => {
      timer = setTimeout(() => resolve(this.state), duration);
    });
    try {
      return await Promise.race([this.finished, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Clean shutdown: stop reading, fire end-of-input panes only for bounded sources, flush sinks. */
  async stop(): Promise<JobState_Enum> {
    this.executor.stop();
    return this.finished;
  }

  override async rawMetrics(): Promise<MonitoringInfo[]> {
    return [];
  }

  override async counters(): Promise<{ [key: string]: number }> {
    return this.executor.metrics.counters();
  }

  override async distributions(): Promise<{ [key: string]: number }> {
    return Object.fromEntries(
      Object.entries(this.executor.metrics.distributions()).map(([name, value]) => [name, value.sum]),
    );
  }

  distributionValues(): Record<string, DistributionValue> {
    return this.executor.metrics.distributions();
  }

  stats(): RunStats {
    return this.executor.stats();
  }

  /**
   * Everything the run reports about itself, now: per-step element counts, source partitions (records read,
   * watermarks, offsets), grouped steps (watermarks, open windows, panes by timing, late and dropped elements),
   * counters and the most recent panes. The metrics endpoint, the status page and tests all read this.
   */
  snapshot(): RunSnapshot {
    const state = this.state === JobState_Enum.DONE ? "DONE" : this.state === JobState_Enum.FAILED ? "FAILED" : "RUNNING";
    return this.executor.snapshot(state);
  }

  /** Each PCollection's current watermark, by id (+Infinity once its input ended). */
  watermarks(): Record<string, number> {
    return this.executor.collectionWatermarks();
  }

  get jobState(): JobState_Enum {
    return this.state;
  }
}

export class DirectStreamingRunner extends Runner {
  private readonly running = new Set<Executor>();
  private readonly options: ExecutorOptions;

  constructor(options: DirectRunnerOptions = {}) {
    super();
    this.options = { ...DEFAULT_DIRECT_RUNNER_OPTIONS, ...options, sources: sourceTable(options.sources) };
  }

  override async runPipeline(pipeline: runnerApi.Pipeline): Promise<DirectPipelineResult> {
    const executor = new Executor(planPipeline(pipeline, this.options.sources), this.options);
    this.running.add(executor);
    const result = new DirectPipelineResult(executor);
    result.waitUntilFinish().then(
      () => this.running.delete(executor),
      () => this.running.delete(executor),
    );
    return result;
  }

  /** Cleanly stops every pipeline this runner is running (they finish as described in DirectPipelineResult.stop). */
  stop(): void {
    for (const executor of this.running) executor.stop();
  }
}

export function directRunner(options: DirectRunnerOptions = {}): DirectStreamingRunner {
  return new DirectStreamingRunner(options);
}
