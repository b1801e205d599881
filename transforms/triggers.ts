/**
 * Trigger builders: typed factories for Beam's trigger algebra, producing `TriggerSpec` data that `windowInto`
 * (transforms/windowing.ts) writes into the WindowingStrategy proto and the direct runner executes with Beam Java's
 * semantics (runners/direct/grouping/trigger_machines.ts).
 *
 *   afterWatermark({ early: afterProcessingTime(seconds(5)), late: afterCount(1) })
 *   orFinally(repeatedly(afterCount(100)), afterWatermark())
 *
 * Every factory checks its arguments and composition at once (Beam Java's OnceTrigger typing: early/late firings,
 * afterAny/afterAll subtriggers and orFinally's `until` fire at most once) and throws an error that says why.
 * Whether a trigger is *safe* (does not close windows that can still get data) depends on the allowed lateness, so
 * `windowInto` checks that.
 */
import type * as runnerApi from "apache-beam/proto/beam_runner_api";
import type { Millis, TriggerSpec } from "../model/model";
import { triggerSpecToProto } from "../model/strategy";
import { compileTrigger } from "../model/trigger_machines";
import { validateTriggerSpec } from "../model/validation";

function checked<T extends TriggerSpec>(t: T): T {
  validateTriggerSpec(t);
  return Object.freeze(t);
}

/** Beam's default: fire when the watermark passes the end of the window, then for every late element. */
export function defaultTrigger(): TriggerSpec {
  return checked({ kind: "default" });
}

/**
 * Fires when the watermark passes the end of the window (the ON_TIME pane). `early` fires speculative EARLY panes
 * before that, `late` fires LATE panes after it, each repeatedly; both must be triggers that fire once.
 */
export function afterWatermark(options: { early?: TriggerSpec; late?: TriggerSpec } = {}): TriggerSpec {
  return checked({
    kind: "afterWatermark",
    ...(options.early === undefined ? {} : { early: options.early }),
    ...(options.late === undefined ? {} : { late: options.late }),
  });
}

/** Fires once the processing time is `delay` ms past the arrival of the first element of the pane. */
export function afterProcessingTime(delay: Millis): TriggerSpec {
  return checked({ kind: "afterProcessingTime", delay });
}

/** Fires once the pane holds at least `count` elements. */
export function afterCount(count: number): TriggerSpec {
  return checked({ kind: "afterCount", count });
}

/** Fires every time `trigger` fires, forever. */
export function repeatedly(trigger: TriggerSpec): TriggerSpec {
  return checked({ kind: "repeatedly", trigger });
}

/** Runs the triggers one after another: each fires (until it finishes) before the next takes over. */
export function afterEach(...triggers: TriggerSpec[]): TriggerSpec {
  return checked({ kind: "afterEach", triggers });
}

/** Fires (once) as soon as any of the triggers would fire. Beam Java's AfterFirst. */
export function afterAny(...triggers: TriggerSpec[]): TriggerSpec {
  return checked({ kind: "afterAny", triggers });
}

/** Fires (once) when all of the triggers have fired. */
export function afterAll(...triggers: TriggerSpec[]): TriggerSpec {
  return checked({ kind: "afterAll", triggers });
}

/** Fires whenever `main` fires, and finishes (firing a last time) when `until` fires. */
export function orFinally(main: TriggerSpec, until: TriggerSpec): TriggerSpec {
  return checked({ kind: "orFinally", main, until });
}

/** Never fires; the window's data comes out in its final pane at garbage collection. */
export function never(): TriggerSpec {
  return checked({ kind: "never" });
}

/** Ready to fire at every opportunity (every element); never finishes. Beam Python's Always. */
export function always(): TriggerSpec {
  return checked({ kind: "always" });
}

/** The Beam `Trigger` proto of a trigger. */
export function triggerToProto(trigger: TriggerSpec): runnerApi.Trigger {
  return triggerSpecToProto(trigger);
}

/** A readable description in Beam Java's style, e.g. `Repeatedly.forever(AfterPane.elementCountAtLeast(2))`. */
export function describeTrigger(trigger: TriggerSpec): string {
  return compileTrigger(trigger).description;
}
