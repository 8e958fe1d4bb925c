import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { InputError, UsageError } from '../../../src/shared/cli/errors';
import { EXIT } from '../../../src/shared/cli/exit-codes';
import { CliSpec, lineWriters, runCli } from '../../../src/shared/cli/run-cli';
import { REPO_ROOT } from '../../support/repo-root';

class ConfigProblem extends Error {}

const SPEC: CliSpec = { name: 'demo', usage: 'usage: demo [--x]', expected: [{ error: ConfigProblem, exitCode: EXIT.FAILED }] };

async function run(body: () => number | Promise<number>, spec: CliSpec = SPEC, argv: string[] = []) {
  let out = '';
  let err = '';
  const code = await runCli(spec, argv, body, { out: (t) => { out += t; }, err: (t) => { err += t; } });
  return { code, out, err };
}

const STACK_LINE = /\n\s+at /;

describe('runCli: errors to messages and exit codes', () => {
  test('the body\'s own exit code, nothing written', async () => {
    expect(await run(() => 1)).toEqual({ code: 1, out: '', err: '' });
    expect(await run(async () => EXIT.OK)).toEqual({ code: 0, out: '', err: '' });
  });

  test('UsageError: the message, then the usage; exit 2, no stack', async () => {
    const r = await run(() => { throw new UsageError('--x needs a value: --x VALUE'); });
    expect(r).toEqual({ code: EXIT.USAGE, out: '', err: 'demo: --x needs a value: --x VALUE\nusage: demo [--x]\n' });
  });

  test('InputError: the message alone; exit 2, no stack', async () => {
    const r = await run(async () => { throw new InputError('report.json is not JSON'); });
    expect(r).toEqual({ code: EXIT.USAGE, out: '', err: 'demo: report.json is not JSON\n' });
  });

  test('an error class the command expects: its message and its exit code, no stack', async () => {
    const r = await run(() => { throw new ConfigProblem('Invalid delivery config x.json:\n  - pipeline.account: bad'); });
    expect(r.code).toBe(EXIT.FAILED);
    expect(r.err).toBe('demo: Invalid delivery config x.json:\n  - pipeline.account: bad\n');
    expect(r.err).not.toMatch(STACK_LINE);
  });

  test('anything else is unexpected: its stack, exit 4 (or the command\'s own code)', async () => {
    const bug = () => { throw new TypeError('cannot read properties of undefined'); };
    const r = await run(bug);
    expect(r.code).toBe(EXIT.BUG);
    expect(r.err).toMatch(/^demo: unexpected error: TypeError: cannot read properties of undefined\n\s+at /);
    expect((await run(bug, { ...SPEC, unexpectedExitCode: EXIT.USAGE })).code).toBe(EXIT.USAGE);
    expect((await run(() => { throw 'a string'; })).err).toBe('demo: unexpected error: a string\n');
  });

  test('a footer follows every error', async () => {
    const r = await run(() => { throw new InputError('bad'); }, { ...SPEC, footer: 'Failing closed (exit 2).' });
    expect(r.err).toBe('demo: bad\nFailing closed (exit 2).\n');
  });

  test('--help prints the usage on stdout and exits 0 without running the body', async () => {
    let ran = false;
    const r = await run(() => { ran = true; return 1; }, SPEC, ['--x', '--help']);
    expect(r).toEqual({ code: 0, out: 'usage: demo [--x]\n', err: '' });
    expect(ran).toBe(false);
  });

  test('lineWriters: a writer that ends lines itself gets each text without its last newline', async () => {
    const lines: string[] = [];
    const io = lineWriters({ out: (l) => lines.push(`out ${l}`), err: (l) => lines.push(`err ${l}`) });
    await runCli(SPEC, [], () => { throw new InputError('bad'); }, io);
    io.out('two\nlines\n');
    expect(lines).toEqual(['err demo: bad', 'out two\nlines']);
  });
});

describe('runMain: the exit code of the process', () => {
  /** A command file using the kit, run with node (through ts-node, like the projen tasks). */
  function runFile(body: string): { status: number | null; stderr: string } {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cli-kit-')), 'cli.ts');
    const kit = path.join(REPO_ROOT, 'src', 'shared', 'cli');
    fs.writeFileSync(file, `import { runCli, runMain } from '${kit}/run-cli';\nimport { UsageError } from '${kit}/errors';\n`
      + `runMain((argv) => runCli({ name: 'demo', usage: 'usage: demo' }, argv, async () => { ${body} }));\n`);
    const r = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', file], { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, TS_NODE_SWC: 'true' } });
    return { status: r.status, stderr: r.stderr };
  }

  test('the body\'s code; a usage error ends with 2 and no stack', () => {
    expect(runFile('return 1;').status).toBe(1);
    const usage = runFile("throw new UsageError('--x needs a value');");
    expect(usage).toEqual({ status: 2, stderr: 'demo: --x needs a value\nusage: demo\n' });
  });
});
