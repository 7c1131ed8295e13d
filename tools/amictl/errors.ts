/** An error amictl reports as one clear message (no stack trace) and exits with its code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** Bad input on the command line: exit code 2, as for a usage error. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2);
  }
}
