import * as fs from 'fs';
import { ConfigError, parseConfig, SAMPLE_CONFIG_PATH } from '../../src/config/load-config';

/**
 * Every pattern and range of the config schema at its edges: the shortest and longest (or
 * smallest and largest) accepted value, one step beyond each edge, and a value of the wrong
 * type. Loosening a rule (e.g. the account pattern to \d{11,12}) or tightening it fails here.
 */

const sample = (): any => JSON.parse(fs.readFileSync(SAMPLE_CONFIG_PATH, 'utf8'));

function setAt(c: any, field: string, value: unknown): void {
  const keys = field.replace(/\[(\d+)\]/g, '.$1').split('.');
  const last = keys.pop()!;
  const parent = keys.reduce((o, k) => o[k] ??= {}, c);
  parent[last] = value;
}

/** Problems of the sample with `base` applied, then `value` at `field` ([] when valid). */
function problemsWith(field: string, value: unknown, base: Record<string, unknown> = {}): string[] {
  const c = sample();
  for (const [f, v] of Object.entries(base)) setAt(c, f, structuredClone(v));
  setAt(c, field, value);
  try {
    parseConfig(c, 'boundary.json');
    return [];
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return [...e.problems];
  }
}

const DOMAIN = { zoneName: 'dev.example.com', hostedZoneId: 'Z0123456789ABCDEFGHIJ', recordName: 'api' };
const ARN = (uuid: string, account = '111111111111') => `arn:aws:codeconnections:us-east-1:${account}:connection/${uuid}`;
const UUID = '00000000-0000-4000-8000-000000000000';

interface Pattern {
  readonly field: string;
  /** Values at the edges that must be accepted. */
  readonly ok: readonly unknown[];
  /** Values one step outside (shorter, longer, other form) that must be refused. */
  readonly bad: readonly unknown[];
  /** A value of the wrong type. */
  readonly wrongType: unknown;
  readonly base?: Record<string, unknown>;
}

const patterns: Pattern[] = [
  { field: 'pipeline.account', ok: ['123456789012', '000000000000'], bad: ['12345678901', '1234567890123', '12345678901a', ' 123456789012'], wrongType: 123456789012 },
  { field: 'environments[0].account', ok: ['222222222222'], bad: ['22222222222', '2222222222222'], wrongType: 222222222222 },
  { field: 'pipeline.region', ok: ['us-east-1', 'ap-southeast-2'], bad: ['us-east-', 'us-east-10', 'US-EAST-1', ''], wrongType: 1 },
  { field: 'environments[0].regions[0]', ok: ['eu-west-1'], bad: ['eu-west', 'eu-west-11'], wrongType: ['eu-west-1'] },
  { field: 'environments[0].name', ok: ['ab', 'abcdefghijkl', 'a-b', 'a1'], bad: ['a', 'abcdefghijklm', '1ab', 'ab-', 'a--b', 'a_b'], wrongType: 5 },
  { field: 'pipeline.name', ok: ['a', 'a'.repeat(100), 'A.b@c_d-e'], bad: ['', 'a'.repeat(101), 'a b'], wrongType: 5 },
  { field: 'source.owner', ok: ['a', 'a'.repeat(39), 'a-b'], bad: ['', 'a'.repeat(40), '-a', 'a-', 'a--b', 'a_b'], wrongType: 5 },
  { field: 'source.repo', ok: ['a', 'a'.repeat(100), 'a.b_c-d'], bad: ['', 'a'.repeat(101), '..', 'a b'], wrongType: 5 },
  { field: 'source.branch', ok: ['m', 'a/b'], bad: ['', 'a b'], wrongType: 5 },
  {
    field: 'source.connectionArn',
    ok: [ARN(UUID), ARN(UUID).replace('codeconnections', 'codestar-connections')],
    bad: [ARN(UUID.slice(1)), ARN(`${UUID}0`), ARN(UUID, '11111111111'), ARN(UUID, '1111111111111'), ARN(UUID).replace(':connection/', ':host/')],
    wrongType: 5,
  },
  { field: 'notifications.emails[0]', ok: ['a@b.co', 'first.last+tag@example.com'], bad: ['a@b', 'a@@b.com', '@b.com', 'a b@c.com', ''], wrongType: 5 },
  { field: 'environments[0].domain.zoneName', ok: ['a.io', 'a.b.example.com'], bad: ['io', 'a.b.', 'A.io'], wrongType: 5, base: { 'environments[0].domain': DOMAIN } },
  { field: 'environments[0].domain.hostedZoneId', ok: ['Z1', `Z${'A'.repeat(31)}`], bad: ['Z', `Z${'A'.repeat(32)}`, 'z123'], wrongType: 5, base: { 'environments[0].domain': DOMAIN } },
  { field: 'environments[0].domain.recordName', ok: ['a', 'a'.repeat(48), 'a-1'], bad: ['', 'a'.repeat(49), '-a', 'a-', 'a.b', 'API'], wrongType: 5, base: { 'environments[0].domain': DOMAIN } },
  { field: 'tags.Team', ok: ['x', 'x'.repeat(256)], bad: ['', 'x'.repeat(257)], wrongType: 5 },
  { field: 'tags.Owner', ok: ['', 'x'.repeat(256)], bad: ['x'.repeat(257), 'a<b'], wrongType: 5 },
  { field: `tags.${'k'.repeat(128)}`, ok: ['v'], bad: [], wrongType: 5 },
  { field: `tags.${'k'.repeat(129)}`, ok: [], bad: ['v'], wrongType: 5 },
  { field: 'changeReport.overrideMarker', ok: ['abc'], bad: ['ab', ''], wrongType: 5 },
  { field: 'gates.failOnSeverities[0]', ok: ['LOW', 'CRITICAL'], bad: ['critical', 'HIGHEST'], wrongType: 5 },
  { field: 'environments[0].rollout', ok: ['sequential', 'parallel'], bad: ['Parallel', ''], wrongType: true },
  { field: 'environments[0].production', ok: [false], bad: [], wrongType: 'false' },
  { field: 'environments[2].primaryRegion', ok: ['us-east-1', 'us-east-2'], bad: ['us-east-', 'eu-west-1'], wrongType: 1 },
  { field: 'environments[2].resilience', ok: ['global', 'independent'], bad: ['Global', ''], wrongType: true },
  { field: 'environments[2].vpcCidrs.us-east-2', ok: ['10.1.0.0/16', '10.1.224.0/19'], bad: ['10.1.0.0/15', '10.1.0.0/20', '10.1.0.1/16', '10.1.0.0'], wrongType: 16 },
  { field: 'environments[0].requireApproval', ok: [true, false], bad: [], wrongType: 1 },
  { field: 'changeReport.blockStatefulReplacement', ok: [true, false], bad: [], wrongType: 'true' },
  { field: 'environments', ok: [], bad: [[]], wrongType: {} },
  { field: 'environments[0].regions', ok: [['us-east-1']], bad: [[]], wrongType: 'us-east-1' },
  { field: 'notifications.emails', ok: [['a@example.com']], bad: [[]], wrongType: 'a@example.com' },
];

describe.each(patterns)('$field', ({ field, ok, bad, wrongType, base }) => {
  const label = (v: unknown) => JSON.stringify(v).slice(0, 40);
  if (ok.length > 0) {
    test.each(ok.map((v) => [label(v), v]))('accepts %s', (_label, value) => {
      expect(problemsWith(field, value, base)).toEqual([]);
    });
  }
  if (bad.length > 0) {
    test.each(bad.map((v) => [label(v), v]))('refuses %s, naming the field and the fix', (_label, value) => {
      const problems = problemsWith(field, value, base);
      const line = problems.find((p) => p.startsWith(`${field}: `));
      expect({ problems, line }).toEqual({ problems, line: expect.stringMatching(/(e\.g\.|use |write |one of|at least|at most|list |give |rename |AWS allows|must )/) });
    });
  }
  test(`refuses the wrong type ${JSON.stringify(wrongType)}, saying what it expected and what it got`, () => {
    const problems = problemsWith(field, wrongType, base);
    const line = problems.find((p) => p.startsWith(`${field}: `));
    expect({ problems, line }).toEqual({ problems, line: expect.stringMatching(/: must be .*; got /) });
  });
});

interface Range {
  readonly field: string;
  readonly min: number;
  readonly max: number;
  /** The smallest step between accepted values (1 for whole numbers). */
  readonly step?: number;
  /** Other fields set first, so that only `field` is at its edge. */
  readonly base?: Record<string, unknown>;
  /** Values inside the range that are still refused (e.g. not a CloudWatch period). */
  readonly holes?: readonly number[];
}

const S = 'environments[0].sizing';
const ranges: Range[] = [
  { field: `${S}.natGateways`, min: 1, max: 3, base: { [`${S}.maxAzs`]: 3 } },
  { field: `${S}.maxAzs`, min: 2, max: 3, base: { [`${S}.natGateways`]: 1 } },
  { field: `${S}.desiredCount`, min: 1, max: 100, base: { [`${S}.minCapacity`]: 1, [`${S}.maxCapacity`]: 200 } },
  { field: `${S}.minCapacity`, min: 1, max: 100, base: { [`${S}.desiredCount`]: 100, [`${S}.maxCapacity`]: 200 } },
  { field: `${S}.maxCapacity`, min: 1, max: 200, base: { [`${S}.desiredCount`]: 1, [`${S}.minCapacity`]: 1 } },
  { field: `${S}.dbMinCapacity`, min: 0.5, max: 128, step: 0.5, base: { [`${S}.dbMaxCapacity`]: 256 }, holes: [0.75] },
  { field: `${S}.dbMaxCapacity`, min: 1, max: 256, step: 0.5, base: { [`${S}.dbMinCapacity`]: 0.5 }, holes: [1.25] },
  { field: `${S}.dbReaders`, min: 0, max: 15 },
  { field: `${S}.backupRetentionDays`, min: 1, max: 35 },
  { field: `${S}.logRetentionDays`, min: 1, max: 3653, holes: [2, 366] },
  { field: `${S}.memoryMiB`, min: 8192, max: 30720, step: 1024, base: { [`${S}.cpu`]: 4096 }, holes: [8704] },
  { field: `${S}.memoryMiB`, min: 16384, max: 61440, step: 4096, base: { [`${S}.cpu`]: 8192 }, holes: [20480 - 1024] },
  { field: `${S}.memoryMiB`, min: 32768, max: 122880, step: 8192, base: { [`${S}.cpu`]: 16384 }, holes: [40960 - 4096] },
  { field: `${S}.cpu`, min: 256, max: 16384, base: { [`${S}.memoryMiB`]: 32768 }, holes: [3072] },
  { field: 'gates.ecrScanTimeoutMinutes', min: 1, max: 60 },
  { field: 'gates.replicationTimeoutMinutes', min: 1, max: 60 },
  { field: 'environments[2].bakeMinutes', min: 0, max: 40 },
];

describe.each(ranges)('$field from $min to $max', ({ field, min, max, step = 1, base, holes = [] }) => {
  // cpu's edges need their own memory: 256 takes 512..2048, 16384 takes 32768..
  const baseFor = (v: number) => (field.endsWith('.cpu') && v < 1024 ? { ...base, [`${S}.memoryMiB`]: 512 } : base);
  test.each([min, max])('accepts %p', (value) => {
    expect(problemsWith(field, value, baseFor(value))).toEqual([]);
  });
  test.each([min - step, max + step, ...holes, ...(step === 1 ? [min + 0.5] : [])])('refuses %p, naming the field and the fix', (value) => {
    const problems = problemsWith(field, value, baseFor(value));
    const line = problems.find((p) => p.startsWith(`${field}: `));
    expect({ problems, line }).toEqual({ problems, line: expect.stringMatching(/(at least|at most|whole number|multiple of|one of|does not fit .* use )/) });
  });
  test('refuses a number written as a string', () => {
    const problems = problemsWith(field, String(min), base);
    const line = problems.find((p) => p.startsWith(`${field}: `));
    expect({ problems, line }).toEqual({ problems, line: expect.stringMatching(new RegExp(`: must be .*; got the string "${min}"`)) });
  });
});
