/** How the Flink runner reaches the cluster and runs the TypeScript steps. */
export type WorkerEnvironment = "LOOPBACK" | "EXTERNAL" | "PROCESSES";

export interface FlinkRunnerOptions {
  /** The Beam job server's job endpoint, host:port (default 127.0.0.1:8099, what `npm run flink:up` starts). */
  readonly jobEndpoint?: string;
  /** The JobManager's REST address, host:port (default 127.0.0.1:8081): root causes and metrics are read there. */
  readonly flinkMaster?: string;
  /** Parallelism of every Flink operator (default: the cluster's parallelism.default, 1 here). */
  readonly parallelism?: number;
  /**
   * LOOPBACK (default): the TypeScript steps run in SDK workers inside this process (TaskManagers on this host).
   * EXTERNAL: in a worker pool started elsewhere (`node node_modules/apache-beam/dist/src/apache_beam/worker/
   * external_worker_service.js --port N` on the TaskManagers' hosts), at `workerPool`.
   * PROCESSES: one Node worker process per SDK worker, forked by a pool in this process (TaskManagers on this
   * host; runners/flink/worker_processes.ts), with Beam's sdkWorkerParallelism at the parallelism: each parallel
   * subtask's TypeScript steps get a process (a core) of their own, where LOOPBACK runs them all in this one.
   */
  readonly environment?: WorkerEnvironment;
  /**
   * PROCESSES and EXTERNAL: SDK workers per TaskManager (Beam's sdkWorkerParallelism; default: the parallelism).
   * Flink hands each executable stage's subtasks to them round robin, in the order the subtasks open.
   */
  readonly sdkWorkers?: number;
  /** PROCESSES: what the worker processes send (process.send), e.g. a benchmark's counts from its DoFns. */
  readonly onWorkerMessage?: (message: unknown, workerId: string) => void;
  /** host:port of the external worker pool (EXTERNAL only). */
  readonly workerPool?: string;
  /**
   * Elements per bundle in Flink's operators (Beam's FlinkPipelineOptions.maxBundleSize; default 1). Flink holds a
   * step's watermark until its bundle is finished, so with bigger bundles a watermark can be overtaken by the
   * elements that followed it: 1 keeps every element in its place relative to the watermark (the same panes as
   * the direct runner, the same late data); raise it for throughput.
   */
  readonly maxBundleSize?: number;
  /**
   * With maxBundleSize > 1: combine per key and window within each bundle in the TypeScript worker before Flink's
   * GroupByKey, so only accumulators cross to it (runners/flink/lifted_combines.ts says where it applies and what
   * differs: droppedDueToLateness counts dropped accumulators). Default true; ignored with bundles of one element.
   */
  readonly liftCombines?: boolean;
  /**
   * Flink checkpoint interval in ms (Beam's FlinkPipelineOptions.checkpointingInterval); default: no checkpoints.
   * KafkaIO's offset commits need it (its commit step is @RequiresStableInput), and a job restarted by Flink
   * resumes from the last completed checkpoint (docs/guarantees.md).
   */
  readonly checkpointInterval?: number;
  /**
   * Restarts Flink may make after a failure (a TaskManager lost, a failed bundle), from the last completed
   * checkpoint, `restartDelay` ms apart (default 10 s; Beam's numberOfExecutionRetries / executionRetryDelay). Default: none.
   */
  readonly restartAttempts?: number;
  readonly restartDelay?: number;
  /** Start from this savepoint or retained checkpoint (Beam's savepointPath): resume a cancelled job. */
  readonly restoreFrom?: string;
  /** Flink job name (default beam-ts-<time>-<random>; the runner finds the Flink job by it). */
  readonly jobName?: string;
  /**
   * Stage the job server's classpath with every job (Beam's default; 158 MB, ~10 s per job, and per-job class
   * loaders in Flink). Default false: the cluster of `npm run flink:up` has Beam on its own classpath and the job
   * server knows our NoStagingDetectorFactory. Set it for a cluster and job server of your own.
   */
  readonly stageClasspath?: boolean;
  /**
   * windowedCombine's late-data output on Flink (runners/flink/late_output.ts): undefined (default) uses it when
   * the job server translates it (ours, `npm run flink:up`) and says in one line when it does not (Beam's own job
   * server: the late output stays empty, dropped records are only counted); true requires it; false submits the
   * pipeline as built (counted only; its combines can be lifted).
   */
  readonly lateOutput?: boolean;
  /** Where the runner's one-line notices go (default: stderr). */
  readonly log?: (line: string) => void;
  /** Print the SDK worker's per-bundle debug lines (default false: they are dropped). */
  readonly verboseSdk?: boolean;
}

export const DEFAULT_JOB_ENDPOINT = "127.0.0.1:8099";
export const DEFAULT_FLINK_MASTER = "127.0.0.1:8081";
