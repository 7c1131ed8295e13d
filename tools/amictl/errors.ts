/**
 * amictl's exit codes: scripts tell a refusal from a missing thing, a missing right, a service
 * that is down, or a diff that found changes.
 */
export const EXIT = {
  ok: 0,
  /** the platform refused (400, 409, …) or something failed */
  failed: 1,
  /** bad usage: an unknown option, a value that is not what the option takes */
  usage: 2,
  /** what was asked for does not exist (404) */
  notFound: 3,
  /** no credentials, or they were refused (401) or lack the role (403) */
  unauthorised: 4,
  /** a service (or the bus) cannot be reached */
  unreachable: 5,
  /** `family diff`: the spec differs from the catalog's */
  changes: 10,
} as const;

/** The exit codes as `amictl --help` and docs/cli.md list them. */
export const EXIT_CODES_HELP = `Exit codes:
  0   done (for family diff: no changes)
  1   the platform refused or failed
  2   bad usage
  3   not found (404)
  4   no credentials, or unauthorised or forbidden (401, 403)
  5   a service or the bus cannot be reached
  10  family diff: the spec has changes`;

/** An error amictl reports as one clear message (no stack trace) and exits with its code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
    /** the HTTP status a service answered, when the error is its answer */
    readonly httpStatus?: number,
  ) {
    super(message);
  }
}

/** Bad input on the command line: exit code 2, as for a usage error. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT.usage);
  }
}

/** The exit code of an HTTP error status: 3 for 404, 4 for 401 and 403, else 1. */
export function exitCodeOfStatus(status: number): number {
  if (status === 404) return EXIT.notFound;
  if (status === 401 || status === 403) return EXIT.unauthorised;
  return EXIT.failed;
}
