import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runBakeCli } from '../../../src/codebuild/bake/bake-cli';
import { bundleCli } from '../../support/bundle-cli';
import { REPO_ROOT } from '../../support/repo-root';

const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'bake');
const f = (name: string) => path.join(FIXTURES, `${name}.json`);
const namesOf = (name: string): string => JSON.parse(fs.readFileSync(f(name), 'utf8')).alarmNames.join(',');

/** Runs the CLI in-process with a fake clock. */
async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  let t = 0;
  const code = await runBakeCli(args, { out: (x) => out.push(x), err: (x) => err.push(x) }, { now: () => t, sleep: async (ms) => { t += ms; } });
  return { code, out: out.join('\n'), err: err.join('\n'), elapsed: t };
}

const base = (recording: string, more: string[] = []) => ['--alarm-names', namesOf(recording), '--region', 'us-east-1', '--minutes', '10', '--from-file', f(recording), ...more];

describe('bake-cli on recorded responses', () => {
  test('all OK for the whole bake: exit 0', async () => {
    const r = await cli(base('all-ok'));
    expect(r).toEqual(expect.objectContaining({ code: 0, elapsed: 600_000 }));
    expect(r.out).toMatch(/Baking us-east-1: watching 4 alarm\(s\) for 10 min, a read every 30 s\.[\s\S]*Bake PASSED: 4 alarm\(s\) stayed out of ALARM for 10 min \(21 reads\)/);
  });

  test('an alarm in ALARM: exit 1, naming the alarm and what happens next', async () => {
    const r = await cli(base('alarm-midway'));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/Bake FAILED in us-east-1: after 1\.0 min of the bake, an alarm is in ALARM: prod-us-east-1-Service-MonitoringErrors5xx/);
    expect(r.out).toMatch(/The next region does not start; the stage rolls back/);
  });

  test.each([['missing-alarm'], ['throttling-forever'], ['insufficient-data-forever'], ['access-denied']])('%s: exit 1 (fail closed)', async (rec) => {
    expect((await cli(base(rec))).code).toBe(1);
  });

  test('in a ROLLBACK execution of its stage the bake does not watch, and passes', async () => {
    const r = await cli(base('rollback-execution', ['--pipeline', 'cdk-delivery-pipeline', '--stage', 'prod-us-east-1']));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Stage prod-us-east-1 of cdk-delivery-pipeline is running a ROLLBACK execution/);
    // Without --pipeline/--stage the same recording (an alarm in ALARM) fails: the skip is the only reason it passed.
    expect((await cli(base('rollback-execution'))).code).toBe(1);
  });

  test.each([
    ['no alarm names', ['--alarm-names', ' , ', '--region', 'us-east-1', '--minutes', '1'], /names no alarm: there is nothing to watch/],
    ['an unresolved pipeline variable', ['--alarm-names', '#{prod-us-east-1-Service.AlarmNames}', '--region', 'us-east-1', '--minutes', '1'], /unresolved pipeline variable/],
    ['no region', ['--alarm-names', 'a', '--minutes', '1'], /--region is required/],
    ['no minutes', ['--alarm-names', 'a', '--region', 'us-east-1'], /--minutes must be a number of at least 0, got ""/],
    ['negative minutes', ['--alarm-names', 'a', '--region', 'us-east-1', '--minutes', '-1'], /--minutes must be a number of at least 0/],
    ['an unknown flag', ['--alarm-names', 'a', '--region', 'us-east-1', '--minutes', '1', '--bogus', 'x'], /unknown argument "--bogus"/],
    ['--stage without --pipeline', ['--alarm-names', 'a', '--region', 'us-east-1', '--minutes', '1', '--stage', 'x'], /--pipeline and --stage go together/],
    ['an unreadable recording', ['--alarm-names', 'a', '--region', 'us-east-1', '--minutes', '1', '--from-file', '/dev/null'], /cannot read recorded responses/],
  ])('usage error (exit 2): %s', async (_what, args, message) => {
    const r = await cli(args as string[]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });
});

describe('the bundled bake-cli against a stub AWS CLI (what CodeBuild runs)', () => {
  let bundle: string;
  beforeAll(() => {
    bundle = bundleCli(path.join(REPO_ROOT, 'src', 'codebuild', 'bake', 'bake-cli.ts'));
  });

  /** `aws` stub: logs its arguments; answers describe-alarms with `response`, get-pipeline-state with `stageType`. */
  function runWithStub(args: string[], opts: { response: unknown; stageType?: string; failDescribe?: string; failedAction?: string }) {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bake-'));
    const bin = path.join(work, 'bin');
    fs.mkdirSync(bin);
    const log = path.join(work, 'calls.log');
    fs.writeFileSync(path.join(work, 'alarms.json'), JSON.stringify(opts.response));
    fs.writeFileSync(path.join(work, 'state.json'), JSON.stringify({
      pipelineName: 'cdk-delivery-pipeline',
      stageStates: [{
        stageName: 'prod-us-east-1',
        latestExecution: { pipelineExecutionId: '4f47bed9-6998-476c-a49d-e60be0000000', status: 'InProgress', type: opts.stageType ?? 'STANDARD' },
        actionStates: opts.failedAction
          // Failed a minute after the bake started (in this run).
          ? [{ actionName: opts.failedAction, latestExecution: { status: 'Failed', lastStatusChange: new Date(Date.now() + 60_000).toISOString() } }]
          : [{ actionName: 'Assertions.Deploy', latestExecution: { status: 'InProgress', lastStatusChange: new Date().toISOString() } }],
      }],
    }));
    fs.writeFileSync(path.join(bin, 'aws'), `#!/usr/bin/env bash
echo "aws $*" >> "${log}"
case "$*" in
  *describe-alarms*) ${opts.failDescribe ? `echo "${opts.failDescribe}" >&2; exit 254` : `cat "${work}/alarms.json"`} ;;
  *get-pipeline-state*) cat "${work}/state.json" ;;
  *) echo "unexpected call" >&2; exit 2 ;;
esac
`, { mode: 0o755 });
    const r = spawnSync(process.execPath, [bundle, ...args], { env: { ...process.env, PATH: `${bin}:${process.env.PATH}` }, encoding: 'utf8' });
    const calls = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : [];
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, calls };
  }

  const okResponse = JSON.parse(fs.readFileSync(f('all-ok'), 'utf8')).calls[0].response;
  const alarmResponse = JSON.parse(fs.readFileSync(f('alarm-midway'), 'utf8')).calls[2].response;
  const args = ['--alarm-names', namesOf('all-ok'), '--region', 'us-east-1', '--minutes', '0', '--poll-seconds', '0', '--profile', 'bake-target',
    '--pipeline', 'cdk-delivery-pipeline', '--stage', 'prod-us-east-1', '--pipeline-region', 'us-east-1'];

  test('reads metric and composite alarms through the read-only profile in the stage region; pipeline state with its own role', () => {
    const r = runWithStub(args, { response: okResponse });
    expect(r.status).toBe(0);
    expect(r.calls).toEqual([
      'aws --region us-east-1 codepipeline get-pipeline-state --name cdk-delivery-pipeline --output json',
      `aws --profile bake-target --region us-east-1 cloudwatch describe-alarms --alarm-types MetricAlarm CompositeAlarm --alarm-names ${namesOf('all-ok').split(',').join(' ')} --output json`,
      // After the read: did another action of the stage fail meanwhile?
      'aws --region us-east-1 codepipeline get-pipeline-state --name cdk-delivery-pipeline --output json',
    ]);
  });

  test('an action of its stage that failed while it baked ends the bake at once (exit 1), so the rollback does not wait', () => {
    const r = runWithStub([...args.filter((a, i) => args[i - 1] !== '--minutes' && a !== '--minutes'), '--minutes', '10'], { response: okResponse, failedAction: 'Assertions.Deploy' });
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/Bake FAILED in us-east-1: Assertions\.Deploy failed in stage prod-us-east-1: the stage fails and rolls back whatever the bake finds/);
    expect(r.calls.filter((c) => c.includes('describe-alarms'))).toHaveLength(1);
  });

  test('an alarm in ALARM fails the action (exit 1)', () => {
    const r = runWithStub(args, { response: alarmResponse });
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/Bake FAILED in us-east-1: .*MonitoringErrors5xx/);
  });

  test('a ROLLBACK execution skips the watch without calling CloudWatch', () => {
    const r = runWithStub(args, { response: alarmResponse, stageType: 'ROLLBACK' });
    expect(r.status).toBe(0);
    expect(r.calls.some((c) => c.includes('describe-alarms'))).toBe(false);
  });

  test('an AWS CLI error keeps its AWS code: AccessDenied fails at once', () => {
    const r = runWithStub(args, { response: okResponse, failDescribe: 'An error occurred (AccessDenied) when calling the DescribeAlarms operation: not authorized to perform: cloudwatch:DescribeAlarms' });
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/DescribeAlarms failed with AccessDenied/);
    expect(r.calls.filter((c) => c.includes('describe-alarms'))).toHaveLength(1);
  });
});
