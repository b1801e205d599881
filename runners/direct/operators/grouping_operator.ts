/**
 * A grouped step (GroupByKey, combinePerKey, windowedCombine): feeds {key, value} elements to the keyed grouping
 * reducer (runners/direct/grouping) and turns its firings into elements with the pane Beam defines. Elements the
 * reducer classifies as droppable are counted (droppedDueToLateness) and, for windowedCombine, emitted on the
 * late-data output re-windowed into the global window.
 */
import {
  NO_FIRING,
  WATERMARK_DONE,
  WATERMARK_START,
  type Aggregator,
  type Firing,
  type LateElement,
  type Millis,
  type Pane,
  type Window,
  type WindowingSpec,
} from "../../../model/model";
import { DROPPED_DUE_TO_LATENESS, type LateRecord } from "../../../model/late_record";
import { StepError } from "../step_errors";
import { createKeyedGrouping, type KeyedGrouping } from "../grouping/keyed_grouping";
import type { GroupingCheckpoint } from "../grouping/grouping_checkpoint";
import { isLateButKept } from "../grouping/lateness";
import type { GroupedStepSnapshot } from "../../../model/run_snapshot";
import type { Receiver } from "../receiver";
import { GLOBAL_WINDOWS } from "../sdk_values";
import type { OperatorServices, StepOperator } from "./operator";

export function keyId(key: unknown): string {
  return typeof key === "string" ? key : "\u0000" + JSON.stringify(key);
}

/** A grouped step's part of a runner checkpoint. */
export interface GroupedStepCheckpoint {
  readonly inputWatermark: Millis;
  readonly grouping: GroupingCheckpoint<unknown, unknown>;
}

export class GroupingOperator implements StepOperator {
  private readonly grouping: KeyedGrouping<unknown, unknown>;
  private inputWatermark = WATERMARK_START;
  private readonly allowedLateness: Millis;
  private readonly panes = { EARLY: 0, ON_TIME: 0, LATE: 0, UNKNOWN: 0 };
  private lateElements = 0;
  private dropped = 0;
  /** An earlier run drained at the end of its input with this last event time: windows starting at or before it are closed. */
  private closedThrough = Number.NEGATIVE_INFINITY;
  private readonly emitLate: (element: LateElement<unknown, unknown>) => void;

  constructor(
    readonly name: string,
    spec: WindowingSpec,
    aggregator: Aggregator<unknown, unknown, unknown>,
    private readonly results: Receiver,
    private readonly late: Receiver | undefined,
    private readonly services: OperatorServices,
  ) {
    this.allowedLateness = spec.allowedLateness;
    const emitFiring = (firing: Firing<unknown, unknown>): void => {
      this.panes[firing.pane.timing]++;
      this.services.recentPanes.add({
        step: name,
        key: firing.key,
        window: firing.window,
        timing: firing.pane.timing,
        index: firing.pane.index,
        isLast: firing.pane.isLast,
        value: firing.value,
        emittedAt: Date.now(),
      });
      this.results.receive({ key: firing.key, value: firing.value }, firing.timestamp, [firing.window], firing.pane);
    };
    const emitLate = (this.emitLate = (element: LateElement<unknown, unknown>): void => {
      this.services.metrics.increment(DROPPED_DUE_TO_LATENESS);
      this.dropped++;
      if (!this.late) return;
      const record: LateRecord<unknown, unknown> = {
        key: element.key,
        value: element.value,
        timestamp: element.timestamp,
        windows: element.windows.map((w) => ({ start: w.start, end: w.end })),
        watermark: element.watermark,
        reason: element.reason,
      };
      this.late.receive(record, element.timestamp, GLOBAL_WINDOWS, NO_FIRING);
    });
    this.grouping = createKeyedGrouping<unknown, unknown, unknown, unknown>(
      spec,
      aggregator,
      keyId,
      { firing: emitFiring, late: emitLate },
      { inputWatermark: WATERMARK_START, processingTime: services.clock.now(), clock: () => services.clock.now() },
    );
  }

  receive(value: unknown, timestamp: Millis, windows: readonly Window[], _pane: Pane): void {
    if (typeof value !== "object" || value === null || !("key" in value)) {
      throw new Error(
        `${this.name} groups {key, value} elements but received ${JSON.stringify(value)}; key it first ` +
          `(e.g. .map((e) => ({ key: e.product_id, value: e }))).`,
      );
    }
    const kv = value as { key: unknown; value: unknown };
    if (this.closedThrough > Number.NEGATIVE_INFINITY) windows = this.withoutClosedByEarlierRun(kv, timestamp, windows);
    if (windows.length === 0) return;
    const droppedBefore = this.dropped;
    try {
      this.grouping.processElement(kv.key, kv.value, timestamp, windows);
    } catch (error) {
      // A CombineFn's addInput threw (or a later step, on an early firing): name the innermost step.
      throw error instanceof StepError ? error : new StepError(this.name, error);
    }
    // Late but not dropped: behind the watermark, still within the allowed lateness of a window it updated.
    if (this.dropped === droppedBefore && this.inputWatermark > timestamp) {
      for (let i = 0; i < windows.length; i++) {
        const w = windows[i];
        if (isLateButKept(w, this.allowedLateness, this.inputWatermark)) {
          this.lateElements++;
          break;
        }
      }
    }
  }

  /**
   * An earlier run of this job drained at the end of its input, its last event time `drainedAt`: it closed every
   * window that starts at or before it (they all had their final pane). Elements for them go to the late output.
   */
  closeThrough(drainedAt: Millis): void {
    if (drainedAt > this.closedThrough) this.closedThrough = drainedAt;
  }

  /** Sends the element's windows an earlier run closed to the late output; returns the others. */
  private withoutClosedByEarlierRun(kv: { key: unknown; value: unknown }, timestamp: Millis, windows: readonly Window[]): readonly Window[] {
    const closed = windows.filter((w) => w.start <= this.closedThrough);
    if (closed.length === 0) return windows;
    this.emitLate({ key: kv.key, value: kv.value, timestamp, windows: closed, watermark: this.inputWatermark, reason: "CLOSED_BY_EARLIER_RUN" });
    return windows.filter((w) => w.start > this.closedThrough);
  }

  advanceInputWatermark(watermark: Millis): void {
    if (watermark > this.inputWatermark) {
      this.inputWatermark = watermark;
      this.grouping.advanceInputWatermark(watermark);
    }
  }

  /** Fires processing-time triggers that are due; returns true when it did anything. */
  advanceProcessingTime(now: Millis): boolean {
    const next = this.grouping.nextProcessingTimeTimer();
    if (next === undefined || next > now) return false;
    this.grouping.advanceProcessingTime(now);
    return true;
  }

  nextProcessingTimeTimer(): Millis | undefined {
    return this.grouping.nextProcessingTimeTimer();
  }

  /** The step's output watermark: min(input watermark, the reducer's hold). */
  outputWatermark(): Millis {
    return Math.min(this.inputWatermark, this.grouping.watermarkHold());
  }

  durabilityHold(): Millis {
    return this.grouping.durabilityHold();
  }

  liveStateCount(): number {
    return this.grouping.liveStateCount();
  }

  /** This step's figures for metrics and the status page. */
  observe(): GroupedStepSnapshot {
    return {
      step: this.name,
      inputWatermark: this.inputWatermark,
      outputWatermark: this.outputWatermark(),
      openWindows: this.liveStateCount(),
      panes: { ...this.panes },
      lateElements: this.lateElements,
      droppedDueToLateness: this.dropped,
    };
  }

  /** The step's state for a runner checkpoint (call with no work in flight). */
  checkpoint(): GroupedStepCheckpoint {
    return { inputWatermark: this.inputWatermark, grouping: this.grouping.checkpoint() };
  }

  /** Continues from a checkpoint, before the first element. */
  restore(checkpoint: GroupedStepCheckpoint): void {
    this.grouping.restore(checkpoint.grouping);
    this.inputWatermark = checkpoint.inputWatermark;
  }

  hold(): Millis {
    return WATERMARK_DONE;
  }

  finishBundle(): void {}
}
