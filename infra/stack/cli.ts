import { StackError } from "./errors";

/** yargs' `.fail` for the stack commands: a one-line StackError naming the commands. */
export function failWithCommands(commands: readonly string[]): (msg: string, err: Error | undefined) => never {
  return (msg, err) => {
    throw new StackError(err ? err.message : `${msg} (commands: ${commands.join(", ")}; see --help)`);
  };
}

/** The one command given, checked against `commands` (one line naming them otherwise). */
export function commandOf<C extends string>(positional: ReadonlyArray<string | number>, commands: readonly C[]): C {
  const command = String(positional[0]);
  if (!(commands as readonly string[]).includes(command)) {
    throw new StackError(`unknown command "${command}": choose one of ${commands.join(", ")}`);
  }
  return command as C;
}
