/** Counts the elements a step receives, in front of its operator (one add per element). */
import type { Millis, Pane, Window } from "../grouping/model";
import type { Receiver } from "../receiver";

export class CountingReceiver implements Receiver {
  count = 0;
  constructor(private readonly target: Receiver) {}
  receive(value: unknown, timestamp: Millis, windows: readonly Window[], pane: Pane): void {
    this.count++;
    this.target.receive(value, timestamp, windows, pane);
  }
}
