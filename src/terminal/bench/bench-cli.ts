import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BUDGETS, Measurement, median, verdict } from './budgets';
import { UsageError } from '../../shared/cli/errors';
import { EXIT } from '../../shared/cli/exit-codes';
import { parseCliArgs } from '../../shared/cli/parse-args';
import { runCli, runMain } from '../../shared/cli/run-cli';
import { readPipelineShape } from '../../synth/pipeline-shape/pipeline-shape';

/**
 * `npx projen bench [--runs N] [--cold]`: a benchmark, not a test. After one warm-up each, it
 * times synth, the unit tests and the integ snapshot check N times (default 3), then the whole test
 * command N times, and with --cold `npm ci` + the test command in a fresh clone; then reads the
 * pipeline totals from cdk.out, prints median and spread, and exits 1 when a budget is exceeded or a
 * measured command failed.
 */
export const BENCH_USAGE = 'usage: npx projen bench [--runs N, default 3] [--cold]';

const OPTIONS = { runs: { type: 'string', hint: 'N' }, cold: { type: 'boolean' } } as const;
const root = process.cwd();

/** A command the bench measures failed: there is nothing to compare with the budgets. */
export class MeasuredCommandFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MeasuredCommandFailed';
  }
}

function timed(label: string, command: string, cwd = root): number {
  const start = process.hrtime.bigint();
  const result = spawnSync('bash', ['-c', command], { cwd, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0) {
    throw new MeasuredCommandFailed(`${label} failed (exit ${result.status}): ${command}\n${(result.stderr ?? '').slice(-2000)}`);
  }
  process.stderr.write(`  ${label}: ${seconds.toFixed(1)} s\n`);
  return seconds;
}

function series(runs: number, label: string, command: string): number[] {
  timed(`${label} (warm-up)`, command);
  return Array.from({ length: runs }, (_, i) => timed(`${label} #${i + 1}`, command));
}

function bench(argv: readonly string[]): number {
  const { values } = parseCliArgs(argv, { options: OPTIONS });
  const runs = values.runs === undefined ? 3 : Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new UsageError(`--runs must be a whole number of at least 1, got "${values.runs}"`);
  process.stderr.write(`bench on ${os.cpus().length} CPU(s), ${runs} run(s) each after a warm-up\n`);
  const synth = series(runs, 'npx projen synth', 'npx projen synth');
  const unit = series(runs, 'unit tests (jest)', 'npx jest --ci --coverage=false');
  const integ = series(runs, 'integ snapshot check', 'npx projen integ');
  // The series above warmed every cache the test command uses, so no separate warm-up.
  const testCommand = Array.from({ length: runs }, (_, i) => timed(`npx projen test (warm) #${i + 1}`, 'npx projen test'));
  const shape = readPipelineShape(path.join(root, 'cdk.out'));

  const measurements: Measurement[] = [
    { name: 'npx projen synth (median)', value: median(synth), budget: BUDGETS.synthSeconds, unit: 's', samples: synth },
    { name: 'npx projen test, warm install (median)', value: median(testCommand), budget: BUDGETS.testCommandSeconds, unit: 's', samples: testCommand },
    { name: 'sequential action slots (approvals excluded)', value: shape.totals.sequentialSlots, budget: BUDGETS.sequentialSlots, unit: '' },
    { name: 'CodeBuild actions per run', value: shape.totals.codeBuildActions, budget: BUDGETS.codeBuildActions, unit: '' },
  ];
  if (values.cold) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-cold-'));
    execFileSync('git', ['clone', '--quiet', root, dir]);
    const coldSeconds = timed('npm ci + npx projen test (fresh clone)', 'npm ci --no-audit --no-fund && npx projen test', dir);
    measurements.push({ name: 'npm ci + npx projen test, fresh clone', value: coldSeconds, budget: BUDGETS.coldSeconds, unit: 's', samples: [coldSeconds] });
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const { ok, lines } = verdict(measurements);
  process.stdout.write(`${lines.join('\n')}\n`);
  process.stdout.write(`(not budgeted) unit tests median ${median(unit).toFixed(1)} s; integ snapshot check median ${median(integ).toFixed(1)} s; `
    + `${shape.totals.cloudFormationActions} CloudFormation actions per run\n`);
  return ok ? EXIT.OK : EXIT.FAILED;
}

/** The CLI; resolves to the exit code. */
export function benchCli(argv: readonly string[]): Promise<number> {
  return runCli({ name: 'bench', usage: BENCH_USAGE, expected: [{ error: MeasuredCommandFailed, exitCode: EXIT.FAILED }] }, argv, () => bench(argv));
}

if (require.main === module) runMain(benchCli);
