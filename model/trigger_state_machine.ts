/**
 * The contract between the grouping reducer and a trigger state machine (Beam Java's TriggerStateMachine, as run by
 * TriggerStateMachineRunner). A machine is compiled once per grouped step from a `TriggerSpec`; it holds no
 * per-window data itself: each (key, window) owns a `TriggerState` that the machine creates and updates.
 */
import type { Millis } from "./model";

/** Per (key, window) trigger state: finished bits and one number slot per node of the trigger tree. */
export interface TriggerState {
  /** finished[i]: node i of the tree has finished (Beam's finished bits). */
  readonly finished: boolean[];
  /** Node-specific number: the element count of afterCount, the processing time a delay runs until (NaN if unset). */
  readonly slots: number[];
}

/** What a trigger sees of the window it runs for, and how it asks to be woken. */
export interface TriggerContext {
  /** The window's maxTimestamp (end - 1). */
  readonly windowMaxTimestamp: Millis;
  readonly inputWatermark: Millis;
  readonly processingTime: Millis;
  /** The step's window fn merges windows (sessions): composite triggers then run all subtriggers in parallel. */
  readonly windowsMerge: boolean;
  /** Wake the window when the input watermark passes its maxTimestamp (AfterWatermark's timer). */
  setEndOfWindowTimer(): void;
  /** Wake the window when processing time passes `time`. */
  setProcessingTimer(time: Millis): void;
}

export interface TriggerStateMachine {
  /** A human-readable form (Beam Java's toString style), for errors. */
  readonly description: string;
  newState(): TriggerState;
  onElement(state: TriggerState, ctx: TriggerContext): void;
  /**
   * Windows merged: `sources` are the states of every merged window (they may include `target` when the result is
   * one of them); the machine reads them all, then writes the merged state into `target`.
   */
  onMerge(target: TriggerState, sources: readonly TriggerState[], ctx: TriggerContext): void;
  shouldFire(state: TriggerState, ctx: TriggerContext): boolean;
  /** Called when the window fires because shouldFire was true; may finish the trigger. */
  onFire(state: TriggerState, ctx: TriggerContext): void;
  /** The root trigger has finished: the window emits nothing more (Beam's "closed" window). */
  isFinished(state: TriggerState): boolean;
}
