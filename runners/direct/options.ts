import type { OnStepError, StepFailure } from "./step_errors";
import type { SourceRegistration } from "./sources/registry";
import type { CommitListener } from "./sources/source";
import type { SinkSnapshot } from "../../model/run_snapshot";

/** Options of the direct runner (all optional; defaults below). */
export interface DirectRunnerOptions {
  /** Async DoFn calls (e.g. sink writes) in flight before sources are paused. Default 256. */
  readonly maxInFlight?: number;
  /** Longest wait for a source read before timers and shutdown are looked at again. Default 100 ms. */
  readonly readWaitMs?: number;
  /** Stop cleanly once no input record arrived for this long (ms). Default: never. */
  readonly stopWhenIdleMs?: number;
  /** How often to drain async work and tell sources what is durable (ms). Default 1000. */
  readonly durableIntervalMs?: number;
  /** Stop cleanly on SIGINT/SIGTERM (stop reading, flush sinks, exit 0). Default false. */
  readonly handleSignals?: boolean;
  /**
   * When a step throws on an element read from a source: "fail" (default) stops the run with one line naming the
   * step, the record (topic/partition@offset) and the error; "dead-letter" hands the record to `deadLetter` and
   * goes on (counter stepErrors). See step_errors.ts.
   */
  readonly onStepError?: OnStepError;
  /** Receives the records a step failed on, with onStepError "dead-letter". */
  readonly deadLetter?: (failure: StepFailure) => void;
  /**
   * A folder for checkpoints of the runner's state, taken with each offset commit of a committing source (Kafka):
   * a restart continues from the last one instead of rebuilding live windows from re-read records. Default: none.
   */
  readonly stateDir?: string;
  /**
   * Sources besides the built-in ones (sources/registry.ts BUILT_IN_SOURCES: TestStream, Kafka), by URN; one with
   * a built-in URN replaces it for this runner. Default: none.
   */
  readonly sources?: readonly SourceRegistration[];
  /**
   * What the sinks report about their writes, read with every run snapshot (e.g. `() => sinkMetrics().snapshot()`,
   * transforms/sinks/sink_metrics.ts). The runner reads no process-global figures itself. Default: no sink figures.
   */
  readonly sinkFigures?: () => readonly SinkSnapshot[];
  /**
   * Called in each offset commit of a committing source (Kafka) once the broker took it, before the commit is
   * done (the runner checkpoint it replaces is deleted only after): the topic and every partition's committed
   * offset. For a record kept next to the results (the sinks' progress); a failure is the callee's to report.
   */
  readonly onCommitted?: CommitListener;
}

export const DEFAULT_DIRECT_RUNNER_OPTIONS = Object.freeze({
  maxInFlight: 256,
  readWaitMs: 100,
  durableIntervalMs: 1000,
  handleSignals: false,
  onStepError: "fail" as OnStepError,
});
