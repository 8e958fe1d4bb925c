import { InputError, UsageError } from './errors';
import { EXIT, ExitCode } from './exit-codes';

/**
 * The one entry runner of every command: it runs the command's body and turns what it throws
 * into a message and an exit code (src/shared/cli/exit-codes.ts):
 *
 * - `--help` anywhere: the usage on stdout, exit 0, the body does not run;
 * - {@link UsageError}: `<name>: <message>`, then the usage, exit 2;
 * - {@link InputError}: `<name>: <message>`, exit 2;
 * - an error class the command declares in {@link CliSpec.expected}: `<name>: <message>` and its exit code;
 * - anything else is unexpected (a bug, or a failure the command does not handle):
 *   `<name>: unexpected error: <stack>`, exit {@link CliSpec.unexpectedExitCode}.
 *
 * Expected errors never print a stack: their message names the flag or input and the fix.
 */

/** Where a command writes: raw text, as `process.stdout.write` takes it (lines end with `\n`). */
export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/** The process's stdout and stderr. */
export const PROCESS_IO: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/** A {@link CliIo} over writers that end each line themselves (`console.log`, a test that collects lines). */
export function lineWriters(io: { readonly out: (line: string) => void; readonly err: (line: string) => void }): CliIo {
  const line = (write: (l: string) => void) => (text: string) => write(text.replace(/\n$/, ''));
  return { out: line(io.out), err: line(io.err) };
}

/** An error class a command expects besides UsageError and InputError, and the exit code it ends with. */
export interface ExpectedError {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly error: abstract new (...args: any[]) => Error;
  readonly exitCode: ExitCode;
}

/** How a command reports. */
export interface CliSpec {
  /** The command's name, the first word of every error line: `bake-cli`, `change report`, `doctor`. */
  readonly name: string;
  /** The usage, printed after a usage error and for `--help`. */
  readonly usage: string;
  /** Further errors the command expects (ConfigError, ...), with their exit codes. @default - none */
  readonly expected?: readonly ExpectedError[];
  /** Exit code of an unexpected error. @default EXIT.BUG */
  readonly unexpectedExitCode?: ExitCode;
  /** A line printed after every error, e.g. the image gate's `Failing closed (exit 2).` @default - none */
  readonly footer?: string;
}

/** Run `body` as the command `spec` describes; resolves to the exit code (never rejects). */
export async function runCli(spec: CliSpec, argv: readonly string[], body: () => number | Promise<number>, io: CliIo = PROCESS_IO): Promise<number> {
  if (argv.includes('--help')) {
    io.out(`${spec.usage}\n`);
    return EXIT.OK;
  }
  try {
    return await body();
  } catch (e) {
    const { text, exitCode } = reportOf(spec, e);
    io.err(`${spec.name}: ${text}\n${spec.footer ? `${spec.footer}\n` : ''}`);
    return exitCode;
  }
}

/** What to print for `e`, and the exit code. */
function reportOf(spec: CliSpec, e: unknown): { text: string; exitCode: number } {
  if (e instanceof UsageError) return { text: `${e.message}\n${spec.usage}`, exitCode: EXIT.USAGE };
  if (e instanceof InputError) return { text: e.message, exitCode: EXIT.USAGE };
  const expected = spec.expected?.find((x) => e instanceof x.error);
  if (expected) return { text: (e as Error).message, exitCode: expected.exitCode };
  return { text: `unexpected error: ${e instanceof Error ? e.stack ?? `${e.name}: ${e.message}` : String(e)}`, exitCode: spec.unexpectedExitCode ?? EXIT.BUG };
}

/**
 * The entry point of a command file: `if (require.main === module) runMain(gateCli);`. Sets the
 * process's exit code (stdout and stderr are flushed before the process ends).
 */
export function runMain(cli: (argv: readonly string[]) => Promise<number>): void {
  cli(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (e) => {
      process.stderr.write(`unexpected error: ${(e as Error).stack ?? String(e)}\n`);
      process.exitCode = EXIT.BUG;
    },
  );
}
