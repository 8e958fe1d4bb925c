import { problemsOf, sample } from './support';
import { parseConfig } from '../../src/config/load-config';
import {
  DEFAULT_REPLICATION_LAG_ALARM_SECONDS, renderReplicationLagAlarms, replicationLagAlarmMillisecondsOf, replicationLagAlarmSecondsOf,
} from '../../src/config/replication-lag';
import { configWarnings } from '../../src/config/warnings';

/** environments[i].replicationLagAlarmSeconds: the threshold of a secondary region's replication-lag alarm. */

const prodIndex = () => (sample().environments as any[]).findIndex((e) => e.name === 'prod');
const withLag = (value: unknown, index = prodIndex()) => (c: any) => {
  c.environments[index].replicationLagAlarmSeconds = value;
};

test('default 30 s, as documented; a configured value wins, to the millisecond', () => {
  expect(DEFAULT_REPLICATION_LAG_ALARM_SECONDS).toBe(30);
  expect(replicationLagAlarmSecondsOf({})).toBe(30);
  expect(replicationLagAlarmMillisecondsOf({})).toBe(30_000);
  expect(replicationLagAlarmMillisecondsOf({ replicationLagAlarmSeconds: 1 })).toBe(1000);
  expect(replicationLagAlarmMillisecondsOf({ replicationLagAlarmSeconds: 0.25 })).toBe(250);
  expect(replicationLagAlarmMillisecondsOf({ replicationLagAlarmSeconds: 1.001 })).toBe(1001);
});

test.each([
  [1, undefined],
  [0.1, undefined],
  [3600, undefined],
  [0.05, 'must be at least 0.1 seconds'],
  [0, 'must be at least 0.1 seconds'],
  [3601, 'must be at most 3600 seconds'],
  [1.0005, 'must have at most three decimals'],
  ['1', 'must be a number of seconds from 0.1 to 3600, e.g. 30 or 1; got the string "1"'],
])('replicationLagAlarmSeconds %j: %s', (value, problem) => {
  const c = sample();
  withLag(value)(c);
  if (problem === undefined) {
    expect(parseConfig(c).environments[prodIndex()].replicationLagAlarmSeconds).toBe(value);
    return;
  }
  const problems = problemsOf(withLag(value));
  expect(problems).toEqual([expect.stringMatching(new RegExp(`^environments\\[${prodIndex()}\\]\\.replicationLagAlarmSeconds: .*${problem.replace(/[.]/g, '\\.')}`))]);
});

test('the synth summary names the threshold, the secondaries, the writer and where the number comes from', () => {
  expect(renderReplicationLagAlarms(parseConfig(sample()))).toEqual([
    `Replication-lag alarm: prod pages when us-east-2 lags the writer us-east-1 by more than 30 s for 3 of 5 minutes (the default; set environments[${prodIndex()}].replicationLagAlarmSeconds to change it)`,
  ]);
  const c = sample();
  withLag(1)(c);
  expect(renderReplicationLagAlarms(parseConfig(c))).toEqual([
    `Replication-lag alarm: prod pages when us-east-2 lags the writer us-east-1 by more than 1 s for 3 of 5 minutes (environments[${prodIndex()}].replicationLagAlarmSeconds)`,
  ]);
});

test('set on an environment without secondaries it is a warning (there is no alarm for it to set), not an error', () => {
  const c = sample();
  const testIndex = (c.environments as any[]).findIndex((e) => e.name === 'test');
  withLag(5, testIndex)(c);
  expect(configWarnings(parseConfig(c))).toContainEqual(expect.stringMatching(
    new RegExp(`^environments\\[${testIndex}\\]\\.replicationLagAlarmSeconds: test has no secondary region of a global database`),
  ));
  expect(configWarnings(parseConfig(sample())).filter((w) => w.includes('replicationLagAlarmSeconds'))).toEqual([]);
});
