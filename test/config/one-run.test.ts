import { problemsOf, sample } from './support';
import { ConfigError, parseConfig } from '../../src/config/load-config';

/**
 * One run names every mistake (issue 27 part 6): the field rules and every cross-field rule run
 * in the same pass, and a cross-field rule whose inputs failed their own rule is skipped rather
 * than guessing (one line per mistake, no noise).
 */

/** The problems of the sample after `edits`, or [] when it is accepted. */
function problemsAfter(...edits: Array<(c: any) => void>): string[] {
  const c = sample();
  for (const edit of edits) edit(c);
  try {
    parseConfig(c, 'edited.json');
    return [];
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return [...e.problems];
  }
}

const fieldOf = (line: string) => line.split(': ')[0];

test('three independent mistakes (an account, an environment name, a prod without a domain) are named in one run', () => {
  const problems = problemsOf((c) => {
    c.environments[0].account = '00000000000';
    c.environments[1].name = 'te_st';
    delete c.environments[2].domain;
  });
  expect(problems).toEqual([
    expect.stringMatching(/^environments\[0\]\.account: "00000000000" is not a 12-digit AWS account id; write all 12 digits as a string, e\.g\. "123456789012"$/),
    expect.stringMatching(/^environments\[1\]\.name: "te_st" is not a valid environment name; use 2-12 lowercase letters, digits or single hyphens/),
    expect.stringMatching(/^environments\[2\]\.domain: is missing for production environment "prod", .*add "domain": .* or opt out in writing with "allowPlainHttp"/),
  ]);
});

test('the issue\'s literal example: "000000000000" and "te-st" are valid by the documented rules, the missing domain is its one mistake', () => {
  // README "Every rule a config must follow": an account is exactly 12 digits (boundaries.test.ts
  // accepts "000000000000"), a name may have single hyphens ("pre-prod"). An account that is not
  // in cdk.context.json then stops synth at its lookup ("Bring your own accounts"), which is a
  // setup step for every new account, not a config rule.
  const problems = problemsOf((c) => {
    c.environments[0].account = '000000000000';
    c.environments[1].name = 'te-st';
    delete c.environments[2].domain;
  });
  expect(problems.map(fieldOf)).toEqual(['environments[2].domain']);
});

/** One mistake of every rule family; each edit composes with the others. */
const MISTAKES: ReadonlyArray<readonly [string, (c: any) => void]> = [
  ['a wrong type', (c) => { c.pipeline.account = 111111111111; }],
  ['an unknown key', (c) => { c.environments[0].regoins = ['us-east-1']; }],
  ['a field pattern', (c) => { c.environments[1].name = 'te_st'; }],
  ['a range', (c) => { c.gates.ecrScanTimeoutMinutes = 0; }],
  ['a tag key', (c) => { c.tags['aws:owner'] = 'x'; }],
  ['a duplicate e-mail', (c) => { c.notifications.emails.push('PLATFORM-team@example.com'); }],
  ['a region of another partition', (c) => { c.environments[0].regions = ['us-east-1', 'cn-north-1']; }],
  ['a sizing type', (c) => { c.environments[0].sizing.logRetentionDays = '30'; }],
  ['a sizing relation', (c) => { c.environments[0].sizing.natGateways = 3; }],
  ['a deployment type', (c) => { c.environments[2].deployment = { strategy: 'canary', ...c.environments[2].deployment, canaryPercent: 'ten' }; }],
  ['a deployment field of another strategy', (c) => { c.environments[2].deployment = { strategy: 'canary', ...c.environments[2].deployment, stepPercent: 25 }; }],
  ['prod approval', (c) => { c.environments[2].requireApproval = false; }],
  ['the prod account shared', (c) => { c.environments[2].account = '222222222222'; }],
  ['the writer region', (c) => { c.environments[2].primaryRegion = 'eu-west-1'; }],
  ['the HTTPS rule', (c) => { delete c.environments[2].domain; }],
  ['overlapping VPC ranges', (c) => { c.environments[1].vpcCidrs = { 'us-east-2': '10.0.0.0/16' }; }],
];

describe('one mistake of every rule family, all at once', () => {
  const alone = MISTAKES.map(([name, edit]) => [name, problemsAfter(edit)] as const);
  const together = problemsAfter(...MISTAKES.map(([, edit]) => edit));

  test.each(alone.map(([name, problems]) => [name, problems]))('%s alone is one line', (_name, problems) => {
    expect(problems).toHaveLength(1);
  });

  test('together: exactly the lines of each mistake alone, in one run', () => {
    expect([...together].sort()).toEqual(alone.flatMap(([, p]) => p).sort());
    expect(new Set(together.map(fieldOf)).size).toBe(MISTAKES.length);
  });
});

describe('a cross-field rule whose inputs failed their own rule is skipped, not guessed', () => {
  test.each<[string, (c: any) => void, string[]]>([
    ['an environment that is not an object (no "comes after production" about it)', (c) => { c.environments.push('x'); }, ['environments[3]']],
    ['production written as a string (no "no production environment", no HTTPS or resilience rule)', (c) => { c.environments[2].production = 'true'; delete c.environments[2].domain; }, ['environments[2].production']],
    ['requireApproval written as a string (not also "is not true")', (c) => { c.environments[2].requireApproval = 'true'; }, ['environments[2].requireApproval']],
    ['a cpu of the wrong type (the memory fit is not checked against a guess)', (c) => { c.environments[2].sizing.cpu = '512'; }, ['environments[2].sizing.cpu']],
    ['NAT gateways above their range (not also "more than maxAzs")', (c) => { c.environments[2].sizing.natGateways = 5; }, ['environments[2].sizing.natGateways']],
    ['an unknown region in a global environment (no region-count or VPC-range guess)', (c) => { c.environments[2].regions = ['us-east-1', 'us-middle-9']; }, ['environments[2].regions[1]']],
    ['an unknown region listed twice (not also "twice")', (c) => { c.environments[1].regions = ['us-middle-9', 'us-middle-9']; }, ['environments[1].regions[0]', 'environments[1].regions[1]']],
    ['a misspelled strategy (its fields are not judged against it)', (c) => { c.environments[2].deployment = { strategy: 'Canary', canaryPercent: 10 }; }, ['environments[2].deployment.strategy']],
    ['a misspelled resilience (no rollout rule against it)', (c) => { c.environments[2].resilience = 'Global'; c.environments[2].rollout = 'parallel'; }, ['environments[2].resilience']],
    ['an environment name of the wrong type used twice (not also "already used")', (c) => { c.environments[0].name = 7; c.environments[1].name = 7; }, ['environments[0].name', 'environments[1].name']],
  ])('%s', (_name, edit, fields) => {
    expect(problemsOf(edit).map(fieldOf)).toEqual(fields);
  });

  test('the rules about a misplaced deployment field still run when its value is wrong too: removing it fixes both', () => {
    const problems = problemsOf((c) => { c.environments[2].deployment = { strategy: 'rolling', canaryPercent: 'ten' }; });
    expect(problems).toEqual([
      expect.stringMatching(/^environments\[2\]\.deployment\.canaryPercent: must be a percentage .*; got the string "ten"$/),
      expect.stringMatching(/^environments\[2\]\.deployment\.canaryPercent: applies to strategy "canary" only; remove it/),
    ]);
  });

  test('sizing rules whose knobs are valid still run next to a bad knob', () => {
    const problems = problemsOf((c) => Object.assign(c.environments[2].sizing, { cpu: '512', natGateways: 3, dbMinCapacity: 16 }));
    expect(problems.map(fieldOf)).toEqual(['environments[2].sizing.cpu', 'environments[2].sizing.natGateways', 'environments[2].sizing.dbMinCapacity']);
  });
});
