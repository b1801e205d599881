/**
 * The Kafka source's one clock: the runner's (`SourceContext.now()`) once the source is opened, real time before.
 * Every collaborator of the source asks this clock, never `Date.now()`, so a test runner's clock rules them all.
 */
import type { Millis } from "../../../model/model";
import type { SourceContext } from "./source";

export class KafkaClock {
  private source: () => Millis = () => Date.now();

  /** From now on, the runner's clock. */
  bind(context: SourceContext): void {
    this.source = () => context.now();
  }

  readonly now = (): Millis => this.source();
}
