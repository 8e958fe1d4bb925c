import * as fs from 'fs';
import * as path from 'path';
import { parseDescribeAlarms } from '../../../src/codebuild/bake/alarm-readings';
import { awsCliErrorCode } from '../../../src/codebuild/bake/aws-bake-clients';
import { bake, BakeOptions, MAX_NAMES_PER_CALL, parseAlarmNames } from '../../../src/codebuild/bake/bake';
import { AlarmClient } from '../../../src/codebuild/bake/bake-clients';
import { RecordedCall } from '../../../src/shared/cli/recorded-calls';
import { fakeClock } from '../../support/fake-clock';
import { recordedAlarmClient } from '../../support/recorded-clients';
import { REPO_ROOT } from '../../support/repo-root';

const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'bake');

/** A recorded fixture: the alarm names it was recorded for and its calls. */
export function recording(name: string): { alarmNames: string[]; calls: RecordedCall[] } {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, `${name}.json`), 'utf8'));
}

/** A fake clock: sleep advances time instantly, so a 10-minute bake takes microseconds. */
function run(name: string, over: Partial<BakeOptions> = {}) {
  const { alarmNames, calls } = recording(name);
  const clock = fakeClock();
  const client = recordedAlarmClient(calls);
  const result = bake({
    client,
    alarmNames,
    durationMs: 10 * 60_000,
    pollMs: 30_000,
    ...clock.options,
    ...over,
  });
  return { result, sleeps: clock.sleeps, log: clock.log, client, elapsed: clock.elapsed };
}

describe('bake on recorded DescribeAlarms responses', () => {
  test('all OK: watches for the whole duration, a read every poll, and passes', async () => {
    const { result, sleeps, client, elapsed } = run('all-ok');
    const r = await result;
    expect(r).toEqual(expect.objectContaining({ ok: true, reads: 21 }));
    expect(elapsed()).toBe(10 * 60_000);
    expect(sleeps.every((s) => s === 30_000)).toBe(true);
    // Every read asks for exactly the stage's alarms.
    expect(new Set(client.inputs.map((i) => i.join(',')))).toEqual(new Set([recording('all-ok').alarmNames.join(',')]));
  });

  test('the last read lands on the deadline even when the poll does not divide the duration', async () => {
    const { result, sleeps, elapsed } = run('all-ok', { durationMs: 100_000 });
    expect(await result).toEqual(expect.objectContaining({ ok: true, reads: 5 }));
    expect(sleeps).toEqual([30_000, 30_000, 30_000, 10_000]);
    expect(elapsed()).toBe(100_000);
  });

  test('an alarm that goes to ALARM midway fails the bake at once, naming it and its reason', async () => {
    const { result, elapsed } = run('alarm-midway');
    const r = await result;
    expect(r.ok).toBe(false);
    expect(elapsed()).toBe(60_000);
    if (r.ok) return;
    expect(r.reads).toBe(3);
    expect(r.inAlarm.map((a) => a.name)).toEqual(['prod-us-east-1-Service-MonitoringErrors5xxB41D2E60-9KJ3H5G7F1D2S']);
    expect(r.reason).toMatch(/after 1\.0 min of the bake, an alarm is in ALARM: prod-us-east-1-Service-MonitoringErrors5xx\S+ \(ALARM since 2026-12-02T01:28:14\.871000\+00:00: Threshold Crossed: 3 out of the last 3/);
  });

  test('a failure elsewhere in the stage ends the bake after the read that learns of it, naming it', async () => {
    let asked = 0;
    const { result, elapsed } = run('all-ok', { stopWhen: async () => (++asked === 3 ? 'Assertions.Deploy failed in stage prod-us-east-1' : undefined) });
    const r = await result;
    expect(r).toEqual(expect.objectContaining({ ok: false, reads: 3, inAlarm: [] }));
    expect(elapsed()).toBe(60_000);
    expect(!r.ok && r.reason).toBe('Assertions.Deploy failed in stage prod-us-east-1: the stage fails and rolls back whatever the bake finds, '
      + 'so the bake stops after 1.0 min instead of holding the rollback.');
  });

  test('not knowing whether the stage failed elsewhere is no reason to stop: the bake watches on', async () => {
    const { result, log } = run('all-ok', { stopWhen: async () => { throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }); } });
    expect(await result).toEqual(expect.objectContaining({ ok: true, reads: 21 }));
    expect(log).toContain('could not tell whether the stage failed elsewhere (ThrottlingException: Rate exceeded); baking on');
  });

  test('a missing alarm fails closed on the first read', async () => {
    const { result } = run('missing-alarm');
    const r = await result;
    expect(r).toEqual(expect.objectContaining({ ok: false, reads: 1 }));
    expect(!r.ok && r.reason).toMatch(/^alarm prod-us-east-1-Service-MonitoringDatabaseCpu\S+ does not exist: .*fails closed/);
  });

  test('throttling that passes is retried on the next poll and the bake goes on', async () => {
    const { result, log } = run('throttling-then-ok');
    const r = await result;
    expect(r.ok).toBe(true);
    expect(log.filter((l) => l.startsWith('read failed (Throttling'))).toHaveLength(2);
    expect(log).toContain('read failed (Throttling, 2 of 5 in a row): An error occurred (Throttling) when calling the DescribeAlarms operation (reached max retries: 2): Rate exceeded');
  });

  test('throttling that persists fails closed after 5 failed reads in a row', async () => {
    const { result, client } = run('throttling-forever');
    const r = await result;
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(/DescribeAlarms failed 5 times in a row \(last: Throttling: .*\)\. The bake cannot see the alarms, so it fails closed/);
    expect(client.inputs).toHaveLength(6);
  });

  test('failed reads at the deadline do not pass the bake: it needs a successful last read', async () => {
    // One good read, then errors forever, with a bake shorter than the retries.
    const { result } = run('throttling-forever', { durationMs: 30_000 });
    expect((await result).ok).toBe(false);
  });

  test('AccessDenied is not retried: it fails at once and says so', async () => {
    const { result, client } = run('access-denied');
    const r = await result;
    expect(client.inputs).toHaveLength(1);
    expect(!r.ok && r.reason).toMatch(/^DescribeAlarms failed with AccessDenied: .*cloudwatch:DescribeAlarms\. Retrying cannot fix this/);
  });

  test('INSUFFICIENT_DATA while the bake runs is tolerated; OK by the end passes', async () => {
    const { result, log } = run('insufficient-data-then-ok');
    expect((await result).ok).toBe(true);
    expect(log[0]).toMatch(/^read 1 at 0\.0 min: 3 OK, 1 INSUFFICIENT_DATA$/);
  });

  test('INSUFFICIENT_DATA for the whole bake fails it: the bake did not watch that signal', async () => {
    const { result, elapsed } = run('insufficient-data-forever');
    const r = await result;
    expect(elapsed()).toBe(10 * 60_000);
    expect(!r.ok && r.reason).toMatch(/after the whole bake \(10\.0 min\), prod-us-east-1-Service-MonitoringDatabaseCpu\S+ \(INSUFFICIENT_DATA .*\) still has INSUFFICIENT_DATA: the metric never reached CloudWatch/);
  });

  test('no alarm names is a programming error, not a pass', async () => {
    await expect(bake({ client: recordedAlarmClient([{ response: {} }]), alarmNames: [], durationMs: 0, pollMs: 0 })).rejects.toThrow(/no alarm names/);
  });

  test(`more than ${MAX_NAMES_PER_CALL} alarms are read ${MAX_NAMES_PER_CALL} names per call (CloudWatch's limit)`, async () => {
    const names = Array.from({ length: 150 }, (_, i) => `a${i}`);
    const inputs: string[][] = [];
    const client: AlarmClient = {
      describeAlarms: async (n) => {
        inputs.push([...n]);
        return { MetricAlarms: n.map((AlarmName) => ({ AlarmName, StateValue: 'OK' })) };
      },
    };
    const r = await bake({ client, alarmNames: names, durationMs: 0, pollMs: 0 });
    expect(r.ok).toBe(true);
    expect(inputs.map((i) => i.length)).toEqual([100, 50]);
  });
});

describe('reading DescribeAlarms', () => {
  test('metric and composite alarms both count', () => {
    const r = parseDescribeAlarms({ MetricAlarms: [{ AlarmName: 'm', StateValue: 'OK' }], CompositeAlarms: [{ AlarmName: 'c', StateValue: 'ALARM', StateReason: 'x' }] });
    expect(r.map((a) => `${a.name}:${a.state}`)).toEqual(['m:OK', 'c:ALARM']);
  });

  test.each([
    ['not an object', 'x'],
    ['MetricAlarms not a list', { MetricAlarms: {} }],
    ['an alarm without a name', { MetricAlarms: [{ StateValue: 'OK' }] }],
    ['an unknown state', { MetricAlarms: [{ AlarmName: 'm', StateValue: 'PENDING' }] }],
  ])('refuses %s (the bake fails closed on it)', (_what, raw) => {
    expect(() => parseDescribeAlarms(raw)).toThrow(expect.objectContaining({ name: 'UnreadableResponse' }));
  });

  test('an unreadable answer fails the bake at once', async () => {
    const r = await bake({ client: recordedAlarmClient([{ response: { MetricAlarms: [{ AlarmName: 'm', StateValue: 'PENDING' }] } }]), alarmNames: ['m'], durationMs: 0, pollMs: 0 });
    expect(!r.ok && r.reason).toMatch(/failed with UnreadableResponse/);
  });

  test('alarm names from the AlarmNames output', () => {
    expect(parseAlarmNames(' a, b,,a ,c ')).toEqual(['a', 'b', 'c']);
    expect(parseAlarmNames('')).toEqual([]);
  });

  test.each([
    ['An error occurred (Throttling) when calling the DescribeAlarms operation (reached max retries: 2): Rate exceeded', 'Throttling'],
    ['An error occurred (AccessDenied) when calling the AssumeRole operation: not authorized', 'AccessDenied'],
    ['Could not connect to the endpoint URL: "https://monitoring.us-east-1.amazonaws.com/"', 'NetworkError'],
    ['Unable to locate credentials. You can configure credentials by running "aws configure".', 'CredentialsError'],
    ['something else', 'AwsCliError'],
  ])('the AWS CLI error %j has code %s', (stderr, code) => {
    expect(awsCliErrorCode(stderr)).toBe(code);
  });
});
