/**
 * Which windowing strategies are well-formed, and which triggers are unsafe, with Beam Java's rules and reasons.
 *
 * - Well-formedness (`validateWindowingSpec`, run by createKeyedGrouping): positive window sizes, a non-negative
 *   allowed lateness, element counts ≥ 1, non-negative delays, and Beam Java's typing of trigger composition:
 *   afterAny/afterAll subtriggers, afterWatermark early/late triggers and orFinally's `until` must be "once"
 *   triggers (triggers that fire at most once: afterWatermark(), afterCount, afterProcessingTime, afterAny/afterAll
 *   of once triggers, never()); Java enforces this with the OnceTrigger type.
 * - Safety (`checkTriggerSafety`, run by the builders at pipeline construction, as Java's GroupByKey.applicableTo
 *   does): a trigger that may finish is rejected unless it is never(), or afterWatermark() (with or without early
 *   firings) with zero allowed lateness, or afterWatermark with late firings; anything else that finishes (a bare
 *   afterCount, afterProcessingTime, afterEach of finishing triggers, orFinally, afterAny/afterAll, …) would close
 *   its windows and lose the data that arrives after. The reducer itself runs any well-formed trigger (as Beam's
 *   runners-core does), sending data for closed windows to the late output.
 */
import type { TriggerSpec, WindowingSpec } from "./model";
import { validateWindowFn } from "./window_fns";

function describeKind(t: TriggerSpec): string {
  return t.kind;
}

/** Triggers that fire at most once (Beam Java's OnceTrigger). */
export function isOnceTrigger(t: TriggerSpec): boolean {
  switch (t.kind) {
    case "afterWatermark":
      return t.early === undefined && t.late === undefined;
    case "afterProcessingTime":
    case "afterSynchronizedProcessingTime":
    case "afterCount":
    case "never":
      return true;
    case "afterAny":
    case "afterAll":
      return t.triggers.every(isOnceTrigger);
    default:
      return false;
  }
}

/** Whether the trigger can finish, closing its windows before garbage collection (Beam's Trigger.mayFinish). */
export function mayFinish(t: TriggerSpec): boolean {
  switch (t.kind) {
    case "default":
    case "repeatedly":
    case "always":
      return false;
    case "afterWatermark":
      return t.late === undefined;
    case "afterEach":
      return t.triggers.every(mayFinish);
    default:
      return true;
  }
}

function validateTrigger(t: TriggerSpec, path: string): void {
  const where = path === "" ? "trigger" : `trigger ${path}`;
  const needOnce = (sub: TriggerSpec, role: string): void => {
    if (!isOnceTrigger(sub)) {
      throw new Error(
        `${where}: ${role} must be a trigger that fires once (afterWatermark(), afterCount, afterProcessingTime, ` +
          `afterAny/afterAll of those, never()), got ${describeKind(sub)}; Beam Java only accepts a OnceTrigger here ` +
          `(repetition is implicit for early/late firings; wrap the whole trigger in repeatedly(...) instead)`,
      );
    }
  };
  switch (t.kind) {
    case "default":
    case "never":
    case "always":
    case "afterSynchronizedProcessingTime":
      return;
    case "afterCount":
      if (!Number.isSafeInteger(t.count) || t.count < 1) {
        throw new Error(`${where}: afterCount needs a whole number of elements ≥ 1, got ${t.count}`);
      }
      return;
    case "afterProcessingTime":
      if (!Number.isSafeInteger(t.delay) || t.delay < 0) {
        throw new Error(`${where}: afterProcessingTime needs a delay of whole milliseconds ≥ 0, got ${t.delay}`);
      }
      return;
    case "afterWatermark":
      if (t.early !== undefined) {
        needOnce(t.early, "the early firings trigger");
        validateTrigger(t.early, `${path}.early`);
      }
      if (t.late !== undefined) {
        needOnce(t.late, "the late firings trigger");
        validateTrigger(t.late, `${path}.late`);
      }
      return;
    case "repeatedly":
      validateTrigger(t.trigger, `${path}.repeated`);
      return;
    case "afterEach":
    case "afterAny":
    case "afterAll":
      if (t.triggers.length === 0) throw new Error(`${where}: ${t.kind} needs at least one subtrigger`);
      t.triggers.forEach((sub, i) => {
        if (t.kind !== "afterEach") needOnce(sub, `subtrigger ${i} of ${t.kind}`);
        validateTrigger(sub, `${path}.${t.kind}[${i}]`);
      });
      return;
    case "orFinally":
      needOnce(t.until, "the orFinally `until` trigger");
      validateTrigger(t.main, `${path}.main`);
      validateTrigger(t.until, `${path}.until`);
      return;
  }
}

/** Throws, saying what to change, when a trigger is malformed. */
export function validateTriggerSpec(t: TriggerSpec): void {
  validateTrigger(t, "");
}

/** Throws, saying what to change, when the strategy is malformed. */
export function validateWindowingSpec(spec: WindowingSpec): void {
  validateWindowFn(spec.windowFn);
  if (!Number.isSafeInteger(spec.allowedLateness) || spec.allowedLateness < 0) {
    throw new Error(`allowed lateness must be whole milliseconds ≥ 0, got ${spec.allowedLateness}`);
  }
  if (spec.accumulation !== "ACCUMULATING" && spec.accumulation !== "DISCARDING") {
    throw new Error(`accumulation mode must be ACCUMULATING or DISCARDING, got ${String(spec.accumulation)}`);
  }
  if (!["END_OF_WINDOW", "EARLIEST", "LATEST"].includes(spec.timestampCombiner)) {
    throw new Error(`timestamp combiner must be END_OF_WINDOW, EARLIEST or LATEST, got ${String(spec.timestampCombiner)}`);
  }
  for (const [name, v] of [
    ["closing behavior", spec.closingBehavior],
    ["on-time behavior", spec.onTimeBehavior],
  ] as const) {
    if (v !== "FIRE_ALWAYS" && v !== "FIRE_IF_NON_EMPTY") {
      throw new Error(`${name} must be FIRE_ALWAYS or FIRE_IF_NON_EMPTY, got ${String(v)}`);
    }
  }
  validateTrigger(spec.trigger, "");
}

/**
 * Beam Java's GroupByKey.triggerIsSafe: throws for a trigger that may finish before garbage collection and so
 * close windows that could still receive data. Never, and AfterWatermark finishing at the end of the window with
 * zero allowed lateness, finish no earlier than garbage collection and are accepted.
 */
export function checkTriggerSafety(spec: WindowingSpec, describe: (t: TriggerSpec) => string): void {
  const t = spec.trigger;
  if (!mayFinish(t)) return;
  if (t.kind === "never") return;
  if (t.kind === "afterWatermark" && spec.allowedLateness === 0) return;
  if (t.kind === "afterWatermark" && t.late !== undefined) return;
  throw new Error(
    `Unsafe trigger '${describe(t)}' may lose data: it can finish before the window is garbage-collected ` +
      `(allowed lateness ${spec.allowedLateness} ms), after which the window's data would be dropped. ` +
      `Did you mean to wrap it in repeatedly(...)? (Beam Java rejects it the same way; see ` +
      `https://s.apache.org/finishing-triggers-drop-data)`,
  );
}
