/**
 * The element-wise steps that need no user DoFn: window assignment, timestamp assignment, the SDK's split into
 * tagged outputs, Flatten and identity (Reshuffle, withCoderInternal). All synchronous, all allocation-light.
 */
import { WATERMARK_DONE, type Millis, type Pane, type Window, type WindowFnSpec } from "../../../model/model";
import { assignWindows } from "../../../model/window_fns";
import type { Receiver } from "../receiver";
import { GLOBAL_WINDOWS, fromSdkInstant, toSdkInstant } from "../sdk_values";
import type { StepOperator } from "./operator";

abstract class StatelessOperator implements StepOperator {
  abstract receive(value: unknown, timestamp: Millis, windows: readonly Window[], pane: Pane): void;
  hold(): Millis {
    return WATERMARK_DONE;
  }
  finishBundle(): void {}
}

/** Flatten, identity DoFns and the SDK's reshuffle: elements pass unchanged. */
export class PassThroughOperator extends StatelessOperator {
  constructor(private readonly output: Receiver) {
    super();
  }
  receive(value: unknown, timestamp: Millis, windows: readonly Window[], pane: Pane): void {
    this.output.receive(value, timestamp, windows, pane);
  }
}

/**
 * WindowInto: windows come from the OUTPUT collection's WindowingStrategy (the proto, which the Flink runner
 * reads too), never from the JS closure. Each input window contributes the element's new windows once, as Beam
 * does; for the global window the shared constant list avoids an allocation.
 */
export class WindowIntoOperator extends StatelessOperator {
  private readonly global: boolean;
  /**
   * Fixed and sliding windows depend only on ts's period slot: reuse the (immutable) windows of the last two slots
   * (out-of-order data near a slot's edge alternates between two). The same list for a slot also lets the reducer
   * find an element's states from its key's previous element (window_state.ts, lastWindows).
   */
  private readonly period: number;
  private readonly offset: number;
  private lastSlot = Number.NaN;
  private lastWindows: readonly Window[] = [];
  private otherSlot = Number.NaN;
  private otherWindows: readonly Window[] = [];

  constructor(
    private readonly windowFn: WindowFnSpec,
    private readonly output: Receiver,
  ) {
    super();
    this.global = windowFn.kind === "global";
    this.period = windowFn.kind === "fixed" ? windowFn.size : windowFn.kind === "sliding" ? windowFn.period : 0;
    this.offset = windowFn.kind === "fixed" || windowFn.kind === "sliding" ? windowFn.offset : 0;
  }

  receive(value: unknown, timestamp: Millis, _windows: readonly Window[], pane: Pane): void {
    let windows: readonly Window[];
    if (this.global) {
      windows = GLOBAL_WINDOWS;
    } else if (this.period > 0) {
      const slot = Math.floor((timestamp - this.offset) / this.period);
      if (slot !== this.lastSlot) {
        const other = this.otherWindows;
        const otherSlot = this.otherSlot;
        this.otherSlot = this.lastSlot;
        this.otherWindows = this.lastWindows;
        this.lastSlot = slot;
        this.lastWindows = slot === otherSlot ? other : assignWindows(this.windowFn, timestamp);
      }
      windows = this.lastWindows;
    } else {
      windows = assignWindows(this.windowFn, timestamp);
    }
    if (windows.length > 0) this.output.receive(value, timestamp, windows, pane);
  }
}

/** assignTimestamps(fn): the SDK passes (element, Instant) and expects an Instant back. */
export class AssignTimestampsOperator extends StatelessOperator {
  constructor(
    private readonly fn: (element: unknown, timestamp: unknown) => unknown,
    private readonly output: Receiver,
  ) {
    super();
  }
  receive(value: unknown, timestamp: Millis, windows: readonly Window[], pane: Pane): void {
    const result = this.fn(value, toSdkInstant(timestamp));
    const next =
      typeof result === "number" || typeof result === "bigint"
        ? Number(result)
        : fromSdkInstant(result as Parameters<typeof fromSdkInstant>[0]);
    if (!Number.isFinite(next)) {
      throw new Error(`assignTimestamps returned ${String(result)}; return a Long (or a number of milliseconds).`);
    }
    this.output.receive(value, next, windows, pane);
  }
}

export interface SplitOptions {
  readonly knownTags: readonly string[];
  readonly unknownTagBehavior?: "error" | "ignore" | "rename";
  readonly unknownTagName?: string;
  readonly exclusive?: boolean;
}

/** The SDK's split(tags): each element is an object {tag: value}; values go to the collection of that tag. */
export class SplitOperator extends StatelessOperator {
  constructor(
    private readonly options: SplitOptions,
    private readonly outputs: ReadonlyMap<string, Receiver>,
  ) {
    super();
  }
  receive(value: unknown, timestamp: Millis, windows: readonly Window[], pane: Pane): void {
    const tagged = value as Record<string, unknown>;
    let seen = 0;
    for (const key in tagged) {
      if (!Object.prototype.hasOwnProperty.call(tagged, key)) continue;
      seen += 1;
      if (this.options.exclusive !== false && seen > 1) {
        throw new Error(`split: an element has several tags (${Object.keys(tagged).join(", ")}) but split is exclusive.`);
      }
      let tag = key;
      if (!this.options.knownTags.includes(tag)) {
        if (this.options.unknownTagBehavior === "rename" && this.options.unknownTagName) tag = this.options.unknownTagName;
        else if (this.options.unknownTagBehavior === "ignore") continue;
        else throw new Error(`split: unexpected tag "${key}", expected one of ${this.options.knownTags.join(", ")}.`);
      }
      this.outputs.get(tag)?.receive(tagged[key], timestamp, windows, pane);
    }
    if (seen === 0 && this.options.exclusive !== false) {
      throw new Error("split: an element has no tag; return an object such as { ok: value }.");
    }
  }
}
