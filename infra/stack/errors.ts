/**
 * A stack failure the user can act on: the message says what to install, free or read, in one line.
 * `retriable` tells whether running the same command again may help (e.g. a broker still shutting down).
 */
export class StackError extends Error {
  constructor(
    message: string,
    readonly retriable: boolean = false,
  ) {
    super(message);
    this.name = "StackError";
  }
}
