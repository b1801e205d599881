/**
 * `trigger_fn` of a transcript, in Beam Python syntax, as our TriggerSpec. Delays are in transcript time
 * units (milliseconds, see docs/transcripts.md).
 */
import { TriggerSpec } from "../../model/model";
import { bindArguments, integerArgument, noArguments } from "./call_arguments";
import { CallExpression, CallSyntaxError, parseCallExpression } from "./call_syntax";

export const TRIGGER_NAMES: readonly string[] = [
  "Default",
  "AfterWatermark",
  "AfterCount",
  "AfterProcessingTime",
  "AfterSynchronizedProcessingTime",
  "Repeatedly",
  "AfterAny",
  "AfterAll",
  "AfterEach",
  "OrFinally",
  "Never",
  "Always",
];

/** Parses e.g. `AfterWatermark(early=AfterCount(2), late=AfterCount(3))`; throws CallSyntaxError. */
export function parseTriggerFn(text: string): TriggerSpec {
  return toTrigger(parseCallExpression(text));
}

function toTrigger(expression: CallExpression): TriggerSpec {
  if (expression.kind !== "call") {
    throw new CallSyntaxError(expression.column, `expected a trigger (${TRIGGER_NAMES.join(", ")})`);
  }
  const call = expression;
  switch (call.name) {
    case "Default":
    case "DefaultTrigger":
      noArguments(call);
      return { kind: "default" };
    case "Never":
      noArguments(call);
      return { kind: "never" };
    case "Always":
      noArguments(call);
      return { kind: "always" };
    case "AfterSynchronizedProcessingTime":
      noArguments(call);
      return { kind: "afterSynchronizedProcessingTime" };
    case "AfterWatermark": {
      const args = bindArguments(call, [
        { name: "early", required: false },
        { name: "late", required: false },
      ]);
      const early = optionalTrigger(args.get("early"));
      const late = optionalTrigger(args.get("late"));
      return {
        kind: "afterWatermark",
        ...(early === undefined ? {} : { early }),
        ...(late === undefined ? {} : { late }),
      };
    }
    case "AfterCount": {
      const args = bindArguments(call, [{ name: "count", required: true }]);
      return { kind: "afterCount", count: integerArgument(call, "count", requireArg(args, "count"), 1) };
    }
    case "AfterProcessingTime": {
      const args = bindArguments(call, [{ name: "delay", required: false }]);
      const delay = args.get("delay");
      return { kind: "afterProcessingTime", delay: delay === undefined ? 0 : integerArgument(call, "delay", delay, 0) };
    }
    case "Repeatedly": {
      const args = bindArguments(call, [{ name: "underlying", required: true }]);
      return { kind: "repeatedly", trigger: toTrigger(requireArg(args, "underlying")) };
    }
    case "AfterAny":
    case "AfterAll":
    case "AfterEach": {
      if (call.kwargs.length > 0) {
        throw new CallSyntaxError(call.kwargs[0].column, `${call.name} takes its triggers as positional arguments`);
      }
      if (call.args.length === 0) throw new CallSyntaxError(call.column, `${call.name} needs at least one trigger`);
      const triggers = call.args.map(toTrigger);
      const kind = call.name === "AfterAny" ? "afterAny" : call.name === "AfterAll" ? "afterAll" : "afterEach";
      return { kind, triggers };
    }
    case "OrFinally": {
      const args = bindArguments(call, [
        { name: "main", required: true },
        { name: "until", required: true },
      ]);
      return { kind: "orFinally", main: toTrigger(requireArg(args, "main")), until: toTrigger(requireArg(args, "until")) };
    }
    default:
      throw new CallSyntaxError(
        call.column,
        `unknown trigger function '${call.name}'; known triggers: ${TRIGGER_NAMES.join(", ")}`,
      );
  }
}

function optionalTrigger(expression: CallExpression | undefined): TriggerSpec | undefined {
  return expression === undefined ? undefined : toTrigger(expression);
}

function requireArg(args: Map<string, CallExpression>, name: string): CallExpression {
  const value = args.get(name);
  if (value === undefined) throw new Error(`internal: argument '${name}' was checked as required`);
  return value;
}

/** A TriggerSpec written back in the transcript syntax, e.g. `Repeatedly(AfterCount(2))`. */
export function formatTriggerFn(t: TriggerSpec): string {
  switch (t.kind) {
    case "default":
      return "Default";
    case "never":
      return "Never";
    case "always":
      return "Always";
    case "afterSynchronizedProcessingTime":
      return "AfterSynchronizedProcessingTime";
    case "afterWatermark": {
      const args = [
        ...(t.early === undefined ? [] : [`early=${formatTriggerFn(t.early)}`]),
        ...(t.late === undefined ? [] : [`late=${formatTriggerFn(t.late)}`]),
      ];
      return `AfterWatermark(${args.join(", ")})`;
    }
    case "afterCount":
      return `AfterCount(${t.count})`;
    case "afterProcessingTime":
      return `AfterProcessingTime(${t.delay})`;
    case "repeatedly":
      return `Repeatedly(${formatTriggerFn(t.trigger)})`;
    case "afterAny":
      return `AfterAny(${t.triggers.map(formatTriggerFn).join(", ")})`;
    case "afterAll":
      return `AfterAll(${t.triggers.map(formatTriggerFn).join(", ")})`;
    case "afterEach":
      return `AfterEach(${t.triggers.map(formatTriggerFn).join(", ")})`;
    case "orFinally":
      return `OrFinally(${formatTriggerFn(t.main)}, ${formatTriggerFn(t.until)})`;
  }
}
