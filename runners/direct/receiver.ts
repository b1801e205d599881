/**
 * How elements move inside the direct runner: a synchronous call per element with the event-time metadata as
 * separate arguments (no WindowedValue allocation, no encoding). Chains of receivers are the fused stages.
 */
import type { Millis, Pane, Window } from "../../model/model";

export interface Receiver {
  receive(value: unknown, timestamp: Millis, windows: readonly Window[], pane: Pane): void;
}

/** A collection nobody reads. */
export const DISCARD: Receiver = Object.freeze({ receive(): void {} });

/** Sends each element to every consumer of a collection. */
class FanOut implements Receiver {
  constructor(private readonly targets: readonly Receiver[]) {}
  receive(value: unknown, timestamp: Millis, windows: readonly Window[], pane: Pane): void {
    const targets = this.targets;
    for (let i = 0; i < targets.length; i++) targets[i].receive(value, timestamp, windows, pane);
  }
}

export function fanOut(targets: readonly Receiver[]): Receiver {
  if (targets.length === 0) return DISCARD;
  if (targets.length === 1) return targets[0];
  return new FanOut(targets);
}
