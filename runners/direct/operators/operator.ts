/** What the executor needs from every step it runs besides receiving elements. */
import type { Millis } from "../grouping/model";
import type { Receiver } from "../receiver";
import type { InFlight } from "../in_flight";
import type { Metrics } from "../metrics";
import type { Clock } from "../clock";
import type { RecentPanes } from "../observability/recent_panes";

export interface StepOperator extends Receiver {
  /**
   * The earliest timestamp of elements this step has accepted but not yet passed on (async work in flight,
   * elements waiting for side inputs). WATERMARK_DONE (+Infinity) when none. The step's output watermark never
   * passes it.
   */
  hold(): Millis;
  /** Ends the current bundle (DoFn.finishBundle); may leave async work in flight. */
  finishBundle(): void;
}

/** Runner services shared by the operators of one run. */
export interface OperatorServices {
  readonly inFlight: InFlight;
  readonly metrics: Metrics;
  readonly clock: Clock;
  /** The last panes emitted by grouped steps (status page). */
  readonly recentPanes: RecentPanes;
}
