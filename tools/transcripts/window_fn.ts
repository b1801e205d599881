/**
 * `window_fn` of a transcript, in Beam Python syntax, as our WindowFnSpec. Sizes are in transcript time units
 * (milliseconds, see docs/transcripts.md).
 */
import { WindowFnSpec } from "../../model/model";
import { bindArguments, integerArgument, noArguments } from "./call_arguments";
import { CallExpression, CallSyntaxError, parseCallExpression } from "./call_syntax";

export const WINDOW_FN_NAMES: readonly string[] = ["GlobalWindows", "FixedWindows", "SlidingWindows", "Sessions"];

/** Parses `FixedWindows(10)`, `SlidingWindows(10, 5)`, `Sessions(10)` or `GlobalWindows`; throws CallSyntaxError. */
export function parseWindowFn(text: string): WindowFnSpec {
  const expression = parseCallExpression(text);
  if (expression.kind !== "call") {
    throw new CallSyntaxError(expression.column, `expected a window function (${WINDOW_FN_NAMES.join(", ")})`);
  }
  const call = expression;
  const offsetOf = (args: Map<string, CallExpression>): number => {
    const offset = args.get("offset");
    return offset === undefined ? 0 : integerArgument(call, "offset", offset, 0);
  };
  switch (call.name) {
    case "GlobalWindows":
      noArguments(call);
      return { kind: "global" };
    case "FixedWindows": {
      const args = bindArguments(call, [
        { name: "size", required: true },
        { name: "offset", required: false },
      ]);
      const size = integerArgument(call, "size", args.get("size") as CallExpression, 1);
      return { kind: "fixed", size, offset: checkOffset(call.column, offsetOf(args), size) };
    }
    case "SlidingWindows": {
      const args = bindArguments(call, [
        { name: "size", required: true },
        { name: "period", required: true },
        { name: "offset", required: false },
      ]);
      const size = integerArgument(call, "size", args.get("size") as CallExpression, 1);
      const period = integerArgument(call, "period", args.get("period") as CallExpression, 1);
      return { kind: "sliding", size, period, offset: checkOffset(call.column, offsetOf(args), period) };
    }
    case "Sessions": {
      const args = bindArguments(call, [{ name: "gap_size", required: true }]);
      return { kind: "sessions", gap: integerArgument(call, "gap_size", args.get("gap_size") as CallExpression, 1) };
    }
    default:
      throw new CallSyntaxError(
        call.column,
        `unknown window function '${call.name}'; known window functions: ${WINDOW_FN_NAMES.join(", ")}`,
      );
  }
}

function checkOffset(column: number, offset: number, period: number): number {
  if (offset >= period) throw new CallSyntaxError(column, `offset ${offset} must be smaller than ${period}`);
  return offset;
}
