/**
 * Binds the arguments of a parsed call (`Name(a, b=c)`) to named parameters the way Python does for the
 * constructors the transcript syntax names, with errors that point at the offending column.
 */
import { CallExpression, CallSyntaxError } from "./call_syntax";

export type Call = Extract<CallExpression, { kind: "call" }>;

export interface Parameter {
  readonly name: string;
  readonly required: boolean;
}

/**
 * Maps positional and keyword arguments of `call` onto `parameters`; throws on unknown keywords, too many
 * positional arguments, duplicates and missing required ones.
 */
export function bindArguments(call: Call, parameters: readonly Parameter[]): Map<string, CallExpression> {
  const bound = new Map<string, CallExpression>();
  if (call.args.length > parameters.length) {
    const extra = call.args[parameters.length];
    throw new CallSyntaxError(
      extra.column,
      `${call.name} takes at most ${parameters.length} argument(s) (${signature(parameters)}) but got ${call.args.length}`,
    );
  }
  call.args.forEach((arg, i) => bound.set(parameters[i].name, arg));
  for (const kw of call.kwargs) {
    if (!parameters.some((p) => p.name === kw.name)) {
      throw new CallSyntaxError(
        kw.column,
        `${call.name} has no parameter '${kw.name}'; its parameters are (${signature(parameters)})`,
      );
    }
    if (bound.has(kw.name)) throw new CallSyntaxError(kw.column, `${call.name} got '${kw.name}' twice`);
    bound.set(kw.name, kw.value);
  }
  for (const p of parameters) {
    if (p.required && !bound.has(p.name)) {
      throw new CallSyntaxError(call.column, `${call.name} needs its '${p.name}' argument: ${call.name}(${signature(parameters)})`);
    }
  }
  return bound;
}

function signature(parameters: readonly Parameter[]): string {
  return parameters.map((p) => (p.required ? p.name : `${p.name}=…`)).join(", ");
}

/** A non-negative integer argument (window sizes, counts, delays in transcript time units). */
export function integerArgument(call: Call, name: string, value: CallExpression, min: number): number {
  if (value.kind !== "number" || !Number.isInteger(value.value)) {
    throw new CallSyntaxError(value.column, `${call.name}: '${name}' must be an integer`);
  }
  if (value.value < min) {
    throw new CallSyntaxError(value.column, `${call.name}: '${name}' must be at least ${min} but is ${value.value}`);
  }
  return value.value;
}

/** Rejects arguments given to a name that takes none (`Never(3)`). */
export function noArguments(call: Call): void {
  const first = call.args[0] ?? call.kwargs[0]?.value;
  if (first !== undefined) throw new CallSyntaxError(first.column, `${call.name} takes no arguments`);
}
