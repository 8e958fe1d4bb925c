/**
 * The two errors every command expects (src/shared/cli/run-cli.ts prints their message, never a
 * stack, and ends with exit code 2). Each message names the flag or the input, what is wrong
 * and the fix.
 */

/** The command line is wrong: an unknown or repeated flag, a missing or bad value. The usage follows the message. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * An input the command reads cannot be used, so nothing was evaluated: a file that is missing or
 * malformed (a Trivy report, an allowlist, a cloud assembly, a recording), or an answer from AWS
 * the command cannot judge. The CodeBuild gates fail closed on it.
 */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}
