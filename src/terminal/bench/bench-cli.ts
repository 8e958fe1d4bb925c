import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BUDGETS, Measurement, median, verdict } from './budgets';
import { CpuProfile, renderProfileSummary, summarizeProfile } from './cpu-profile';
import { UsageError } from '../../shared/cli/errors';
import { EXIT } from '../../shared/cli/exit-codes';
import { parseCliArgs } from '../../shared/cli/parse-args';
import { runCli, runMain } from '../../shared/cli/run-cli';
import { readPipelineShape } from '../../synth/pipeline-shape/pipeline-shape';

/**
 * `npx projen bench [--runs N] [--synth-only] [--profile] [--cold]`: a benchmark, not a test.
 * 1. `npx projen synth` and the naive synth (NAIVE_SYNTH_COMMAND) alternately, one warm-up each
 *    then N runs each (default 3): the ratio of their median wall times against its budget, and
 *    their CPU times (user + sys of every process, steadier than wall time on a busy machine);
 * 2. unless --synth-only: the unit tests and the integ snapshot check N times each after a
 *    warm-up, then the whole test command N times, and with --cold `npm ci` + the test command
 *    in a fresh clone; then the pipeline totals from cdk.out;
 * 3. with --profile: a CPU profile of the synthesizing app (node --cpu-prof on .cache/synth/main.js),
 *    by phase.
 * Prints medians and spreads and exits 1 when a budget is exceeded or a measured command failed.
 */
export const BENCH_USAGE = 'usage: npx projen bench [--runs N, default 3] [--synth-only] [--profile] [--cold]';

/**
 * The naive synth of the same pipeline (docs/performance.md, "The naive synth"): the CDK CLI
 * running src/terminal/bench/naive-app.ts through ts-node in transpile-only mode, the way
 * `cdk init` sets an app up (its cdk.json `app`, here on the command line).
 */
export const NAIVE_SYNTH_COMMAND = 'npx cdk synth --app "npx ts-node --transpile-only src/terminal/bench/naive-app.ts" --output .cache/naive/cdk.out';

const OPTIONS = {
  'runs': { type: 'string', hint: 'N' },
  'cold': { type: 'boolean' },
  'synth-only': { type: 'boolean' },
  'profile': { type: 'boolean' },
} as const;
const root = process.cwd();

/** A command the bench measures failed: there is nothing to compare with the budgets. */
export class MeasuredCommandFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MeasuredCommandFailed';
  }
}

/** Wall-clock seconds, and CPU seconds (user + sys) of every process the command ran. */
export interface Timing {
  readonly wall: number;
  readonly cpu: number;
}

/** The children's user and sys time from the last line of bash's `times` (e.g. `0m4.120s 0m0.810s`). */
export function cpuSecondsOfTimes(output: string): number {
  const last = output.trim().split('\n').pop() ?? '';
  const parts = [...last.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  if (parts.length !== 2) throw new Error(`cannot read the CPU time from "${last}"`);
  return parts[0] + parts[1];
}

function timed(label: string, command: string, cwd = root): Timing {
  const start = process.hrtime.bigint();
  const script = `{ ${command} ; } > /dev/null; __rc=$?; times; exit $__rc`;
  const result = spawnSync('bash', ['-c', script], { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0) {
    throw new MeasuredCommandFailed(`${label} failed (exit ${result.status}): ${command}\n${(result.stderr ?? '').slice(-2000)}`);
  }
  const cpu = cpuSecondsOfTimes(result.stdout);
  process.stderr.write(`  ${label}: ${wall.toFixed(1)} s (CPU ${cpu.toFixed(1)} s, load ${os.loadavg()[0].toFixed(1)})\n`);
  return { wall, cpu };
}

function series(runs: number, label: string, command: string): number[] {
  timed(`${label} (warm-up)`, command);
  return Array.from({ length: runs }, (_, i) => timed(`${label} #${i + 1}`, command).wall);
}

/** `npx projen synth` and the naive synth, one after the other, N times after a warm-up of each. */
function synthAgainstNaive(runs: number): { measurements: Measurement[]; notes: string[] } {
  timed('npx projen synth (warm-up)', 'npx projen synth');
  timed('naive synth (warm-up)', NAIVE_SYNTH_COMMAND);
  const synth: Timing[] = [];
  const naive: Timing[] = [];
  for (let i = 1; i <= runs; i++) {
    synth.push(timed(`npx projen synth #${i}`, 'npx projen synth'));
    naive.push(timed(`naive synth #${i}`, NAIVE_SYNTH_COMMAND));
  }
  const wall = (t: Timing[]) => t.map((x) => x.wall);
  const cpu = (t: Timing[]) => t.map((x) => x.cpu);
  return {
    measurements: [
      { name: 'npx projen synth (median)', value: median(wall(synth)), budget: BUDGETS.synthSeconds, unit: 's', samples: wall(synth) },
      { name: 'npx projen synth / naive synth (medians)', value: median(wall(synth)) / median(wall(naive)), budget: BUDGETS.synthToNaiveRatio, unit: 'x' },
    ],
    notes: [
      `naive synth: median ${median(wall(naive)).toFixed(1)} s (runs ${wall(naive).map((s) => s.toFixed(1)).join(', ')})`,
      `CPU (user + sys): npx projen synth median ${median(cpu(synth)).toFixed(1)} s, naive synth median ${median(cpu(naive)).toFixed(1)} s, `
        + `ratio ${(median(cpu(synth)) / median(cpu(naive))).toFixed(2)}`,
    ],
  };
}

/** A CPU profile of the app `npx projen synth` runs (its bundle from the last synth), by phase. */
function profileSynth(): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-profile-'));
  try {
    const run = spawnSync(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--enable-source-maps', path.join('.cache', 'synth', 'main.js')], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'pipe'],
      encoding: 'utf8',
      env: { ...process.env, CDK_OUTDIR: path.join(dir, 'cdk.out'), NODE_COMPILE_CACHE: path.join(root, '.cache', 'node-compile-cache') },
    });
    if (run.status !== 0) throw new MeasuredCommandFailed(`profiling the synth failed (run npx projen synth first): ${run.stderr.slice(-2000)}`);
    const file = fs.readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))!;
    const profile = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as CpuProfile;
    return ['CPU profile of the synthesizing app (node --cpu-prof .cache/synth/main.js), by phase:', ...renderProfileSummary(summarizeProfile(profile))];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function bench(argv: readonly string[]): number {
  const { values } = parseCliArgs(argv, { options: OPTIONS });
  const runs = values.runs === undefined ? 3 : Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new UsageError(`--runs must be a whole number of at least 1, got "${values.runs}"`);
  process.stderr.write(`bench on ${os.cpus().length} CPU(s), ${runs} run(s) each after a warm-up, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
  const { measurements, notes } = synthAgainstNaive(runs);
  if (!values['synth-only']) {
    // The root tests as the test command runs them: in shards, on the cdk.out synthAgainstNaive left.
    const unit = series(runs, 'unit tests (jest, in the test command\'s shards)',
      'SAMPLE_ASSEMBLY=cdk.out VARIANT_ASSEMBLIES=.cache/variants npx projen test:code');
    const integ = series(runs, 'integ snapshot check', 'npx projen integ');
    // The series above warmed every cache the test command uses, so no separate warm-up.
    const testCommand = Array.from({ length: runs }, (_, i) => timed(`npx projen test (warm) #${i + 1}`, 'npx projen test').wall);
    const shape = readPipelineShape(path.join(root, 'cdk.out'));
    measurements.push(
      { name: 'npx projen test, warm install (median)', value: median(testCommand), budget: BUDGETS.testCommandSeconds, unit: 's', samples: testCommand },
      { name: 'sequential action slots (approvals excluded)', value: shape.totals.sequentialSlots, budget: BUDGETS.sequentialSlots, unit: '' },
      { name: 'CodeBuild actions per run', value: shape.totals.codeBuildActions, budget: BUDGETS.codeBuildActions, unit: '' },
    );
    notes.push(`unit tests median ${median(unit).toFixed(1)} s; integ snapshot check median ${median(integ).toFixed(1)} s; `
      + `${shape.totals.cloudFormationActions} CloudFormation actions per run`);
    if (values.cold) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-cold-'));
      execFileSync('git', ['clone', '--quiet', root, dir]);
      const coldSeconds = timed('npm ci + npx projen test (fresh clone)', 'npm ci --no-audit --no-fund && npx projen test', dir).wall;
      measurements.push({ name: 'npm ci + npx projen test, fresh clone', value: coldSeconds, budget: BUDGETS.coldSeconds, unit: 's', samples: [coldSeconds] });
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  const profile = values.profile ? profileSynth() : [];
  const { ok, lines } = verdict(measurements);
  process.stdout.write(`${[...lines, ...notes.map((n) => `(not budgeted) ${n}`), ...profile,
    `load average at the end: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`].join('\n')}\n`);
  return ok ? EXIT.OK : EXIT.FAILED;
}

/** The CLI; resolves to the exit code. */
export function benchCli(argv: readonly string[]): Promise<number> {
  return runCli({ name: 'bench', usage: BENCH_USAGE, expected: [{ error: MeasuredCommandFailed, exitCode: EXIT.FAILED }] }, argv, () => bench(argv));
}

if (require.main === module) runMain(benchCli);
