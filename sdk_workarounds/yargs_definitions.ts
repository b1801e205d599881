/**
 * What a yargs parser was told about its options: keys, defaults, choices (yargs' `getOptions()`) and each
 * option's description, which yargs 17.7.2 keeps only inside its usage instance (`getInternalMethods()
 * .getUsageInstance().getDescriptions()`, not in its typings). Read for the documented options table
 * (tools/options_table.ts, docs/operations.md) and its test, so the table is the definition itself.
 */
import "./index";

export interface YargsDefinitions {
  readonly options: {
    readonly key: Record<string, boolean>;
    readonly default: Record<string, unknown>;
    readonly choices: Record<string, string[]>;
  };
  readonly descriptions: Record<string, string | undefined>;
}

interface YargsInternals {
  getOptions(): YargsDefinitions["options"];
  getInternalMethods(): { getUsageInstance(): { getDescriptions(): Record<string, string | undefined> } };
}

/** The options and descriptions of a yargs parser (built, not yet parsed). */
export function yargsDefinitions(parser: object): YargsDefinitions {
  const y = parser as YargsInternals;
  if (typeof y.getInternalMethods !== "function") {
    throw new Error("yargs has no getInternalMethods() any more: update sdk_workarounds/yargs_definitions.ts for the installed yargs");
  }
  return { options: y.getOptions(), descriptions: y.getInternalMethods().getUsageInstance().getDescriptions() };
}
