/**
 * The direct runner's executor: the loop around the operators operator_factory.ts builds for a plan. It pulls
 * batches from the sources, pushes records through the fused stages synchronously, moves per-collection watermarks
 * in topological order (which makes grouped steps fire), fires processing-time triggers, ends bundles, bounds async
 * work, and tells sources what has become durable.
 */
import "apache-beam"; // load the SDK in its own order first: its worker modules import each other circularly
import { NO_FIRING, WATERMARK_DONE, WATERMARK_START, type Millis } from "../../model/model";
import type { Plan, PlannedStep } from "./plan";
import type { Receiver } from "./receiver";
import { realClock, virtualClock, type Clock, type VirtualClock } from "./clock";
import { Metrics } from "./metrics";
import { InFlight } from "./in_flight";
import { GLOBAL_WINDOWS } from "./sdk_values";
import type { CommitListener, SourceFactory, UnboundedSource } from "./sources/source";
import { runnerCheckpoints, type RunnerCheckpoints } from "./checkpoint/runner_checkpoint";
import type { OperatorServices, StepOperator } from "./operators/operator";
import { DoFnOperator } from "./operators/dofn_operator";
import { GroupingOperator } from "./operators/grouping_operator";
import * as urns from "../../model/urns";
import { STEP_ERRORS_COUNTER, StepFailedError, stepFailure, type OnStepError, type StepFailure } from "./step_errors";
import type { CountingReceiver } from "./observability/counting_receiver";
import { RecentPanes } from "./observability/recent_panes";
import type { RunSnapshot, SinkSnapshot, SourceSnapshot } from "../../model/run_snapshot";
import { buildOperators, type BuiltGroupedStep, type BuiltSideInputStep } from "./operator_factory";

export interface ExecutorOptions {
  /** Async DoFn calls allowed in flight before sources stop being read (backpressure). */
  readonly maxInFlight: number;
  /** How long a source read may wait for data before the runner looks at timers and shutdown again. */
  readonly readWaitMs: number;
  /** Stop cleanly after this long without input records (real clock). */
  readonly stopWhenIdleMs?: number;
  /** How often (real clock) to drain async work and call source.onDurable. Every batch on a virtual clock. */
  readonly durableIntervalMs: number;
  /** Stop cleanly on SIGINT/SIGTERM. */
  readonly handleSignals: boolean;
  /** What a step's exception on a source record does (step_errors.ts). Default "fail". */
  readonly onStepError?: OnStepError;
  readonly deadLetter?: (failure: StepFailure) => void;
  /** Where checkpoints of the runner's state are kept (runners/direct/checkpoint); none when undefined. */
  readonly stateDir?: string;
  /** What the sinks report, for the run snapshot (DirectRunnerOptions.sinkFigures); none when undefined. */
  readonly sinkFigures?: () => readonly SinkSnapshot[];
  /** DirectRunnerOptions.onCommitted, handed to every source. */
  readonly onCommitted?: CommitListener;
  /** The sources the run can build, by URN (sources/registry.ts sourceTable). */
  readonly sources: ReadonlyMap<string, SourceFactory>;
}

interface SourceState {
  readonly step: PlannedStep;
  readonly source: UnboundedSource<unknown>;
  readonly output: Receiver;
  watermark: Millis;
  durableBefore: Millis;
  durable: Promise<void>;
  /** Records this source handed to the pipeline. */
  read: number;
}

export interface RunStats {
  readonly elementsRead: number;
  readonly liveStates: number;
  readonly maxLiveStates: number;
}

export class Executor {
  readonly metrics = new Metrics();
  private readonly recentPanes = new RecentPanes();
  /** Per step: the counter in front of its operator (elements received). */
  private readonly counting: Array<CountingReceiver | undefined> = [];
  private readonly clock: Clock;
  private readonly inFlight: InFlight;
  private readonly operators: Array<StepOperator | undefined> = [];
  private readonly grouped: BuiltGroupedStep[] = [];
  private readonly sideSteps: BuiltSideInputStep[] = [];
  private readonly sources: SourceState[] = [];
  private readonly watermarks: Float64Array;
  private readonly sourceByStep = new Map<number, SourceState>();
  private stopping = false;
  private cycleScheduled = false;
  private lastDataAt = Date.now();
  private lastDurableAt = Date.now();
  private elementsRead = 0;
  private maxLiveStates = 0;

  constructor(
    private readonly plan: Plan,
    private readonly options: ExecutorOptions,
  ) {
    this.watermarks = new Float64Array(plan.collections.length).fill(WATERMARK_START);
    this.inFlight = new InFlight(options.maxInFlight, () => this.scheduleCycle());
    const drivesClock = plan.steps.some((step) => step.spec.kind === "source" && step.spec.urn === urns.TEST_STREAM_URN);
    this.clock = drivesClock ? virtualClock(0) : realClock();
    this.build();
  }

  /** Builds the plan's operators (operator_factory.ts) and keeps what the loop drives. */
  private build(): void {
    const services: OperatorServices = {
      inFlight: this.inFlight,
      metrics: this.metrics,
      clock: this.clock,
      recentPanes: this.recentPanes,
    };
    const built = buildOperators(this.plan, services, (urn) => this.options.sources.get(urn));
    this.operators.push(...built.operators);
    built.counting.forEach((c, index) => (this.counting[index] = c));
    this.grouped.push(...built.grouped);
    this.sideSteps.push(...built.sideInputSteps);
    for (const { step, source, output } of built.sources) {
      const state: SourceState = {
        step,
        source,
        output,
        watermark: WATERMARK_START,
        durableBefore: WATERMARK_START,
        durable: Promise.resolve(),
        read: 0,
      };
      this.sources.push(state);
      this.sourceByStep.set(step.index, state);
    }
  }

  // ---- running -------------------------------------------------------------------------------------------

  stop(): void {
    this.stopping = true;
  }

  get stopped(): boolean {
    return this.stopping;
  }

  stats(): RunStats {
    return { elementsRead: this.elementsRead, liveStates: this.liveStates(), maxLiveStates: this.maxLiveStates };
  }

  private liveStates(): number {
    let live = 0;
    for (const { op } of this.grouped) live += op.liveStateCount();
    return live;
  }

  async run(): Promise<void> {
    const onSignal = (): void => this.stop();
    if (this.options.handleSignals) {
      process.on("SIGINT", onSignal);
      process.on("SIGTERM", onSignal);
    }
    let failed = true;
    try {
      const checkpoints = this.checkpoints();
      await Promise.all(
        this.sources.map((s) =>
          s.source.open({
            now: () => this.clock.now(),
            checkpoints: s.source === checkpoints?.source ? checkpoints.api : undefined,
            ...(this.options.onCommitted === undefined ? {} : { onCommitted: this.options.onCommitted }),
          }),
        ),
      );
      for (const s of this.sources) {
        const drainedAt = s.source.closedThrough?.();
        if (drainedAt !== undefined) for (const { op } of this.grouped) op.closeThrough(drainedAt);
      }
      // A failing loop stops the others (they finish their current read) before the pipeline fails.
      const loops = await Promise.allSettled(
        this.sources.map((s) =>
          this.sourceLoop(s).catch((error: unknown) => {
            this.stop();
            throw error;
          }),
        ),
      );
      for (const loop of loops) if (loop.status === "rejected") throw loop.reason;
      this.throwIfFailed();
      // Clean shutdown: bounded input ends (Beam fires what it fires at end of input); unbounded input does not.
      for (const state of this.sources) if (state.source.bounded) state.watermark = WATERMARK_DONE;
      await this.drain();
      await this.durable(true);
      this.throwIfFailed();
      failed = false;
    } finally {
      if (this.options.handleSignals) {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
      }
      await Promise.allSettled(this.sources.map((s) => s.durable));
      const closed = await Promise.allSettled(this.sources.map((s) => s.source.close()));
      // A source that failed while closing (its final commit, a client crash after the last read) fails a run that
      // would otherwise end cleanly: exit 0 must mean the run did what was asked. A run failing anyway keeps its error.
      const closeFailure = closed.find((c): c is PromiseRejectedResult => c.status === "rejected");
      if (!failed && closeFailure !== undefined) {
        // eslint-disable-next-line no-unsafe-finally
        throw closeFailure.reason;
      }
    }
  }

  /** Checkpoints for the run's one committing source, when a state folder is set (none with two such sources). */
  private checkpoints(): { source: UnboundedSource<unknown>; api: RunnerCheckpoints } | undefined {
    const dir = this.options.stateDir;
    if (dir === undefined || this.clock.virtual) return undefined;
    const committing = this.sources.filter((s) => s.source.onDurable !== undefined);
    if (committing.length !== 1) return undefined;
    const grouped = this.grouped.map(({ step, op, fingerprint }) => ({ name: step.name, op, fingerprint }));
    const others = this.operators.filter((op): op is StepOperator => op !== undefined && !(op instanceof GroupingOperator));
    return { source: committing[0].source, api: runnerCheckpoints(dir, { grouped, others }) };
  }

  private async sourceLoop(state: SourceState): Promise<void> {
    const limit = this.options.maxInFlight;
    while (!this.stopping && state.watermark !== WATERMARK_DONE) {
      if (this.inFlight.full) await this.inFlight.waitBelow(limit);
      this.throwIfFailed();
      const batch = await state.source.read(this.readWait());
      this.throwIfFailed();
      if (batch.processingTime !== undefined && this.clock.virtual) {
        (this.clock as VirtualClock).advanceTo(batch.processingTime);
      }
      const records = batch.records;
      const output = state.output;
      for (let i = 0; i < records.length; i++) {
        const record = records[i];
        try {
          output.receive(record.value, record.timestamp, GLOBAL_WINDOWS, NO_FIRING);
        } catch (error) {
          this.stepFailed(state, record.value, error);
        }
        if (this.inFlight.full) {
          await this.inFlight.waitBelow(limit);
          this.throwIfFailed();
        }
      }
      if (records.length > 0) {
        this.elementsRead += records.length;
        state.read += records.length;
        this.lastDataAt = Date.now();
      }
      if (batch.watermark > state.watermark) state.watermark = batch.watermark;
      this.cycle();
      await this.durable(false);
      const idle = this.options.stopWhenIdleMs;
      if (idle !== undefined && Date.now() - this.lastDataAt >= idle) this.stop();
    }
  }

  /** A step threw on a source record: fail the run with one line, or route the record to the dead letters. */
  private stepFailed(state: SourceState, value: unknown, error: unknown): void {
    const where = state.source.describeRecord?.(value) ?? `a record of ${state.step.name}`;
    const failure = stepFailure(error, `after ${state.step.name}`, value, where);
    const deadLetter = this.options.deadLetter;
    if (this.options.onStepError !== "dead-letter" || deadLetter === undefined) throw new StepFailedError(failure);
    this.metrics.increment(STEP_ERRORS_COUNTER);
    deadLetter(failure);
  }

  private readWait(): number {
    if (this.clock.virtual) return 0;
    let wait = this.options.readWaitMs;
    const now = this.clock.now();
    for (const { op } of this.grouped) {
      const next = op.nextProcessingTimeTimer();
      if (next !== undefined) wait = Math.min(wait, Math.max(0, next - now));
    }
    return wait;
  }

  private throwIfFailed(): void {
    const failure = this.inFlight.error;
    if (failure) throw failure.error;
  }

  private scheduleCycle(): void {
    if (this.cycleScheduled) return;
    this.cycleScheduled = true;
    setImmediate(() => {
      this.cycleScheduled = false;
      try {
        this.cycle();
      } catch (error) {
        this.inFlight.fail(error);
      }
    });
  }

  /** Moves watermarks (firing what is due), ends bundles, and moves watermarks again for what that released. */
  private cycle(): void {
    this.propagate();
    for (const index of this.plan.order) this.operators[index]?.finishBundle();
    this.propagate();
    const live = this.liveStates();
    if (live > this.maxLiveStates) this.maxLiveStates = live;
  }

  /** One pass in topological order: input watermark → grouped steps fire → output watermark. */
  private propagate(): void {
    const wm = this.watermarks;
    const now = this.clock.now();
    const sourceByStep = this.sourceByStep;
    for (const index of this.plan.order) {
      const step = this.plan.steps[index];
      let input = WATERMARK_DONE;
      const source = sourceByStep.get(index);
      if (source) input = source.watermark;
      for (const c of step.inputs) if (wm[c] < input) input = wm[c];
      const op = this.operators[index];
      let output = input;
      if (op instanceof GroupingOperator) {
        op.advanceInputWatermark(input);
        op.advanceProcessingTime(now);
        output = op.outputWatermark();
      } else if (op) {
        if (step.sideInputs.length > 0 && op instanceof DoFnOperator) {
          const entry = this.sideSteps.find((s) => s.op === op);
          for (const side of step.sideInputs) entry?.sides.setWatermark(side.tag, wm[side.collection]);
          op.releaseReady();
        }
        const hold = op.hold();
        if (hold < output) output = hold;
      }
      for (const o of step.outputs) if (output > wm[o.collection]) wm[o.collection] = output;
    }
  }

  /** Runs until no async work is left and nothing more fires. */
  private async drain(): Promise<void> {
    for (;;) {
      this.cycle();
      this.throwIfFailed();
      if (this.inFlight.size === 0) {
        this.cycle();
        if (this.inFlight.size === 0) return;
      }
      await this.inFlight.waitIdle();
      this.throwIfFailed();
    }
  }

  /**
   * Tells sources what is durable: with no work in flight, everything derived from records with a timestamp
   * below the minimum of the grouped steps' durability holds (and of elements waiting for side inputs) is done.
   */
  private async durable(final: boolean): Promise<void> {
    if (!this.sources.some((s) => s.source.onDurable)) return;
    const due = final || this.clock.virtual || Date.now() - this.lastDurableAt >= this.options.durableIntervalMs;
    if (!due) return;
    if (this.inFlight.size > 0) {
      await this.inFlight.waitIdle();
      this.throwIfFailed();
      this.cycle();
      if (this.inFlight.size > 0) return;
    }
    this.lastDurableAt = Date.now();
    let before = WATERMARK_DONE;
    for (const { op } of this.grouped) before = Math.min(before, op.durabilityHold());
    for (const op of this.operators) if (op && !(op instanceof GroupingOperator)) before = Math.min(before, op.hold());
    for (const state of this.sources) {
      const onDurable = state.source.onDurable;
      if (!onDurable) continue;
      // Called now, while no work is in flight, and again even when `before` did not grow: the source takes it as
      // "the records handed so far with a timestamp < before are done" (kafka_source.ts); a deferred call could
      // cover records handed after `before` was computed, and a skipped one leaves newer records uncommitted.
      state.durableBefore = before;
      const call = onDurable.call(state.source, before, final);
      state.durable = Promise.all([state.durable, call])
        .then(() => undefined)
        .catch((error: unknown) => this.inFlight.fail(error));
      if (final) await state.durable;
    }
  }

  /** What the run reports about itself (run_snapshot.ts): read on demand, by the result, metrics and tests. */
  snapshot(state: RunSnapshot["state"]): RunSnapshot {
    const plan = this.plan;
    const sources: SourceSnapshot[] = this.sources
      .filter((s) => s.step.spec.kind === "source")
      .map((s) => {
        const observed = s.source.observe?.();
        return {
          step: s.step.name,
          watermark: s.watermark,
          connected: observed?.connected ?? true,
          outages: observed?.outages ?? 0,
          partitions: observed?.partitions ?? [],
        };
      });
    return {
      at: Date.now(),
      state,
      elementsRead: this.elementsRead,
      counters: this.metrics.counters(),
      steps: plan.order.map((index) => {
        const step = plan.steps[index];
        return {
          index,
          name: step.name,
          kind: step.spec.kind,
          inputs: step.inputs.map((c) => plan.collections[c].producer),
          elements: this.sourceByStep.get(index)?.read ?? this.counting[index]?.count ?? 0,
        };
      }),
      sources,
      grouped: this.grouped.map(({ op }) => op.observe()),
      recentPanes: this.recentPanes.list(),
      sinks: this.options.sinkFigures?.() ?? [],
    };
  }

  /** The current watermark of every collection, by PCollection id (for tests and diagnostics). */
  collectionWatermarks(): Record<string, Millis> {
    return Object.fromEntries(this.plan.collections.map((c) => [c.id, this.watermarks[c.index]]));
  }
}
